"""Real FOI answers from other campaigns (/work/shared/real-returns, see its README): documents nobody here
made. Their tables are found whole, their letters classified with their sections, a scan is reported as
needing OCR, and columns that do not fit our campaign are said to be not understood."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.extract import extract_file

REAL = Path("/work/shared/real-returns")
pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason="the real returns are not on this machine")


def _read(name: str):
    return extract_file(REAL / name, "real", f"real/{name}")


@pytest.mark.parametrize(("name", "kind", "basis", "evidence_starts"), [
    ("council-BarkingAndDagenhamResponse.docx", "refused", ["s22"],
     "We wish to advise you that the LBBD has decided not to disclose the information"),
    ("council-BirminghamResponse.docx", "not_held", [],
     "We do not hold the information requested as the 2017 return is currently being prepared"),
    ("council-BexleyResponse.pdf", "partial", ["s21"],
     "However, we are withholding some of that information since we consider that the following exemptions"),
])
def test_letters_are_classified_on_the_sentence_that_decides(name, kind, basis, evidence_starts):
    extraction = _read(name)
    assert (extraction.kind, extraction.refusal_basis) == (kind, basis)
    assert extraction.evidence.startswith(evidence_starts)
    assert not [row for row in extraction.rows if row.cells]


def test_humberside_cites_section_40_as_its_refusal_basis():
    extraction = _read("police-Humberside.pdf")
    assert extraction.refusal_basis == ["s40"]
    assert "refusal notice" in extraction.evidence


@pytest.mark.xfail(strict=True, reason="its count table (offence types by year, letterhead inside the table "
                                       "flow) is not found yet, so the answer reads as a whole refusal")
def test_humberside_is_a_partial_answer_with_its_table():
    extraction = _read("police-Humberside.pdf")
    assert extraction.kind == "partial"
    assert extraction.tables


def test_a_scan_with_no_text_layer_needs_ocr_and_is_never_read_as_empty():
    extraction = _read("council-Aberdeenshire.pdf")
    assert extraction.kind == "needs_ocr"
    [finding] = [f for f in extraction.findings if f.code == "needs_ocr"]
    assert finding.severity == "error"
    assert finding.message.startswith("real/council-Aberdeenshire.pdf: pages 1, 2, 3, 4, 5, 6, 14,")
    assert "OCR" in finding.message


@pytest.mark.slow
def test_the_61_page_hertfordshire_table_is_found_whole_without_a_repeated_header():
    extraction = _read("police-Hertfordshire.pdf")
    summary, table = extraction.tables
    assert (summary.locator, summary.header, summary.rows, summary.grain) == (
        "page 1, table 1", ["Financial Year", "Total"], 5, "count")
    assert (table.locator, table.header, table.rows) == (
        "pages 1-61, table 2", ["No.", "Financial Year", "Crime Type", "Outcome Description"], 4492)
    rows = [row for row in extraction.rows if ", table 2, " in row.locator]
    assert [row.cells["case_ref"] for row in rows] == [str(n) for n in range(1, 4493)]
    first, last = rows[0], rows[-1]
    assert (first.locator, first.cells, first.extra) == (
        "page 1, table 2, row 1", {"case_ref": "1", "year": "2019/2020", "outcome": "Type 1 - Charged/Summonsed"},
        {"Crime Type": "VIOLENCE AGAINST THE PERSON"})
    assert (last.locator, last.cells["outcome"]) == (
        "page 61, table 2, row 4492", "Type 14 - Suspect not identified - Victim Unsupportive")
    assert [(f.code, f.value) for f in extraction.findings if f.severity != "info"] == [
        ("unknown_column", "Crime Type")]
    assert [f.value for f in extraction.findings if f.code == "totals_row_skipped"] == ["Grand Total | 4492"]


@pytest.mark.xfail(strict=True, reason="count tables inside letters (corner cell, '-' for zero, wrapped row "
                                       "labels) are not found as tables yet")
@pytest.mark.parametrize("name", ["police-Cumbria.pdf", "police-Durham.pdf"])
def test_count_tables_inside_letters_are_found_and_said_not_to_fit(name):
    extraction = _read(name)
    assert extraction.tables
    assert any(f.code == "unknown_column" for f in extraction.findings)
