"""The per-return tasks' stored results: compressed before the base64, read back as they were written, and
found by Prefect under their type name, so that a record written by one run is read by the next."""

from __future__ import annotations

import base64
import pickle
import zlib

import pytest
from prefect._internal.result_records import ResultRecord
from prefect.results import ResultStore
from prefect.serializers import PickleSerializer, Serializer

from pipeline.extract import extract_file
from pipeline.result_serializer import CompressedPickle
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


@pytest.mark.parametrize("value", [[], b"", "x" * 10, list(range(50_000)), {"big": bytearray(b"q" * 3_000_000)}])
def test_values_of_any_size_read_back_equal(value):
    serializer = CompressedPickle()
    assert serializer.loads(serializer.dumps(value)) == value


def test_a_damaged_record_is_an_error_not_a_shorter_result(extraction):
    blob = base64.b64decode(CompressedPickle().dumps(extraction))
    with pytest.raises((pickle.UnpicklingError, EOFError, zlib.error)):
        CompressedPickle().loads(base64.b64encode(blob[: len(blob) // 2]))
