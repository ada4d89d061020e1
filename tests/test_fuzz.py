"""Fuzz: real sample files of each format, mutated by hypothesis (byte flips, truncation, insertion), always come
back from ``guarded_extract`` as a typed ``FileExtraction``, never as an exception.

The case count and what became of the cases are printed at the end of the module.
"""

from __future__ import annotations

import collections
import io
import tempfile
import zipfile
from pathlib import Path

import pytest
from hostile import builders, extractors
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.guard import guarded_extract, load_limits
from pipeline.records import FileExtraction, Finding

FORCE = "west-mercia"
LIMITS = load_limits().with_(timeout_s=10, memory_mb=1024)
SAMPLES = {
    ".pdf": builders.table_pdf_bytes(),
    ".xlsx": builders.table_xlsx_bytes(),
    ".docx": builders.table_docx_bytes(),
    ".csv": builders.table_csv_bytes(),
}
CASES_PER_EXTRACTOR = 150
OUTCOMES: collections.Counter = collections.Counter()


def _real_extractors():
    """The test extractors always; the pipeline's own registry once it is in the tree."""
    found = [pytest.param(extractors.by_suffix, id="test-extractors")]
    try:
        from pipeline.extract import extract_file
    except ImportError:
        return found
    return [*found, pytest.param(extract_file, id="pipeline.extract")]


# The part of each container whose XML the parsers read most: mutating it inside a sound zip reaches the XML
# parsers instead of stopping at the zip layer.
XML_PARTS = {".xlsx": "xl/worksheets/sheet1.xml", ".docx": "word/document.xml"}


def _mutate(draw, content: bytearray) -> bytes:
    for _ in range(draw(st.integers(1, 4))):
        mutation = draw(st.sampled_from(["flip", "truncate", "insert", "zero_run"]))
        position = draw(st.integers(0, max(len(content) - 1, 0)))
        if mutation == "flip" and content:
            content[position] ^= draw(st.integers(1, 255))
        elif mutation == "truncate":
            del content[position:]
        elif mutation == "insert":
            content[position:position] = draw(st.binary(min_size=1, max_size=64))
        elif mutation == "zero_run":
            content[position : position + draw(st.integers(1, 512))] = b"\x00" * 16
    return bytes(content)


@st.composite
def mutated_sample(draw) -> tuple[str, str, bytes]:
    suffix = draw(st.sampled_from(sorted(SAMPLES)))
    if suffix in XML_PARTS and draw(st.booleans()):
        part = XML_PARTS[suffix]
        with zipfile.ZipFile(io.BytesIO(SAMPLES[suffix])) as archive:
            xml = _mutate(draw, bytearray(archive.read(part)))
        return suffix, "xml", builders._replace_part(SAMPLES[suffix], part, lambda handle: handle.write(xml))
    return suffix, "bytes", _mutate(draw, bytearray(SAMPLES[suffix]))


@pytest.mark.parametrize("extract", _real_extractors())
@settings(max_examples=CASES_PER_EXTRACTOR, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(sample=mutated_sample())
def test_a_mutated_return_always_comes_back_as_a_typed_extraction(extract, sample):
    suffix, layer, content = sample
    with tempfile.TemporaryDirectory(prefix="foi-fuzz-") as folder:
        path = Path(folder) / f"response{suffix}"
        path.write_bytes(content)
        extraction = guarded_extract(path, FORCE, f"{FORCE}/response{suffix}", None, extract, LIMITS)
    assert isinstance(extraction, FileExtraction)
    assert (extraction.force_id, extraction.source_file) == (FORCE, f"{FORCE}/response{suffix}")
    assert all(isinstance(finding, Finding) for finding in extraction.findings)
    assert all(finding.severity in {"error", "warning", "info"} for finding in extraction.findings)
    errors = [finding.code for finding in extraction.findings if finding.severity == "error"]
    OUTCOMES[(f"{suffix} {layer}", errors[0] if errors else f"read: {extraction.kind}")] += 1


def test_print_the_fuzz_case_count(capsys):
    with capsys.disabled():
        print(f"\nfuzz: {sum(OUTCOMES.values())} mutated files through guarded_extract")
        for (suffix, outcome), count in sorted(OUTCOMES.items()):
            print(f"  {suffix:11} {outcome:28} {count}")
    assert sum(OUTCOMES.values()) >= CASES_PER_EXTRACTOR
