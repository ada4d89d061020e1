"""The per-return tasks' stored results: compressed before the base64, read back as they were written, and
found by Prefect under their type name, so that a record written by one run is read by the next."""

from __future__ import annotations

import base64
import pickle
import tracemalloc
import zlib

import cloudpickle
import pytest
from prefect._internal.result_records import ResultRecord
from prefect.results import ResultStore
from prefect.serializers import PickleSerializer, Serializer

from pipeline.extract import extract_file
from pipeline.result_serializer import LEVEL, CompressedPickle
from tests.conftest import RAW


@pytest.fixture(scope="module")
def extraction():
    """A real return's rows: Sussex's CSV, as the extract task returns it."""
    path = RAW / "sussex" / "Sussex FOI 1234-14.csv"
    return [extract_file(path, "sussex", f"sussex/{path.name}", None)]


def test_an_extraction_reads_back_equal_to_what_was_stored(extraction):
    serializer = CompressedPickle()
    assert extraction[0].rows
    assert serializer.loads(serializer.dumps(extraction)) == extraction


def test_prefect_finds_the_serializer_by_the_type_name_a_record_gives():
    assert type(Serializer(type="foi-zlib-pickle")) is CompressedPickle


def test_a_stored_record_names_the_serializer_and_reads_back_through_prefect(extraction):
    data = ResultStore(serializer=CompressedPickle()).create_result_record(extraction, key="k").serialize()
    record = ResultRecord.deserialize(data)
    assert record.metadata.serializer.type == "foi-zlib-pickle"
    assert record.result == extraction


def test_a_record_written_with_prefects_pickle_before_this_serializer_is_still_read(extraction):
    data = ResultStore(serializer=PickleSerializer(picklelib="cloudpickle")).create_result_record(
        extraction, key="k").serialize()
    assert ResultRecord.deserialize(data).result == extraction


def test_a_record_is_smaller_than_prefects_pickle_record(extraction):
    def record_bytes(serializer):
        return len(ResultStore(serializer=serializer).create_result_record(extraction, key="k").serialize())

    assert record_bytes(CompressedPickle()) * 3 < record_bytes(PickleSerializer(picklelib="cloudpickle"))


def test_the_stored_bytes_are_those_of_the_whole_pickle_compressed_at_once(extraction):
    """Written a frame at a time, the record is still the one the earlier serializer wrote, byte for byte."""
    whole = base64.b64encode(zlib.compress(cloudpickle.dumps(extraction), LEVEL))
    assert CompressedPickle().dumps(extraction) == whole


@pytest.mark.parametrize("value", [[], b"", "x" * 10, list(range(50_000)), {"big": bytearray(b"q" * 3_000_000)}])
def test_values_of_any_size_read_back_equal(value):
    serializer = CompressedPickle()
    assert serializer.loads(serializer.dumps(value)) == value


def test_a_damaged_record_is_an_error_not_a_shorter_result(extraction):
    blob = base64.b64decode(CompressedPickle().dumps(extraction))
    with pytest.raises((pickle.UnpicklingError, EOFError, zlib.error)):
        CompressedPickle().loads(base64.b64encode(blob[: len(blob) // 2]))


def _transient_and_held(load, blob) -> tuple[int, int]:
    """Bytes allocated at the peak of ``load(blob)`` above what it left held, and what it left held."""
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        loaded = load(blob)
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del loaded
    return peak - held, held - start


def test_reading_back_does_not_hold_the_whole_pickle_beside_what_it_builds():
    """Inflated at once, the pickle (here ~6 MB) was held beside the objects while they were built; the
    unpickler's own memo of the objects (~4 MB here) is held either way."""
    rows = [(f"row {n}", f"text of the cell in row {n}", n) for n in range(120_000)]
    pickled = len(cloudpickle.dumps(rows))
    blob = CompressedPickle().dumps(rows)
    del rows

    def inflated_at_once(blob):
        return pickle.loads(zlib.decompress(base64.b64decode(blob)))

    at_once, held_at_once = _transient_and_held(inflated_at_once, blob)
    streamed, held = _transient_and_held(CompressedPickle().loads, blob)
    assert held == pytest.approx(held_at_once, rel=0.01) and held > pickled    # the same objects built
    assert at_once - streamed > pickled / 2, (at_once, streamed, pickled)
