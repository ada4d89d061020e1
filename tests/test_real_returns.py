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


def _cell(extraction, locator: str):
    [row] = [row for row in extraction.rows if row.locator == locator]
    return row.context["row_label"], row.context["column_label"], row.cells["count"]


def test_humberside_is_a_partial_answer_with_its_count_tables_stitched_over_the_letterhead():
    extraction = _read("police-Humberside.pdf")
    assert extraction.kind == "partial"
    assert [(t.locator, t.header[0], t.grain, t.rows) for t in extraction.tables] == [
        ("pages 1-2, table 1", "Offence types", "count", 25 * 6),
        ("pages 2-3, table 2", "Outcomes", "count", 29 * 6)]
    # The first row on pages 2 and 3 sits across pdfplumber's top rule: its label is in no cell of its own.
    assert _cell(extraction, "page 2, table 1, row 17, column 3") == ("ROBBERY OF PERSONAL PROPERTY", "2020", "1")
    assert _cell(extraction, "page 3, table 2, row 18, column 2") == (
        "22: Diversionary, educational or intervention activity, has been undertaken and there is no public "
        "interest to continue", "2019", "1")
    assert _cell(extraction, "page 1, table 1, row 1, column 3") == ("AGGRAVATED VEHICLE TAKING", "2020", "")
    assert [f.value for f in extraction.findings if f.code == "unknown_column"] == ["Offence types"]


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


def test_durham_count_tables_with_a_corner_cell_dashes_and_wrapped_labels_are_found_and_said_not_to_fit():
    extraction = _read("police-Durham.pdf")
    assert [(t.locator, t.header[0], t.rows) for t in extraction.tables] == [
        ("page 2, table 1", "Hospital Name / Financial Year", 8 * 5),
        ("page 2, table 2", "Crime Group / Financial Year", 12 * 5),
        ("page 3, table 3", "Crime Outcome / Financial Year", 18 * 5)]
    assert _cell(extraction, "page 2, table 1, row 2, column 2") == (
        "Chester-le-Street Community Hospital", "2019/20", "-")
    assert _cell(extraction, "page 3, table 3, row 5, column 6") == (
        "Suspect NOT Identified - Evidential Difficulties: Victim Declines or Unable to Support", "2023/24", "5")
    assert [f.value for f in extraction.findings if f.code == "unknown_column"] == [
        "Hospital Name / Financial Year", "Crime Group / Financial Year", "Crime Outcome / Financial Year"]


def test_cumbria_count_table_continues_over_the_page_with_its_grand_total_column():
    extraction = _read("police-Cumbria.pdf")
    [offences] = [t for t in extraction.tables if t.header[0] == "Offence Sub Group"]
    assert (offences.locator, offences.header[1:], offences.rows) == (
        "pages 2-3, table 1", ["2019/20", "2020/21", "2021/22", "2022/23", "2023/24", "Grand Total"], 33 * 6)
    assert _cell(extraction, "page 2, table 1, row 1, column 7") == (
        "Absconding From Lawful Custody", "Grand Total", "5")
    assert _cell(extraction, "page 3, table 1, row 32, column 2") == ("Violence without Injury", "2019/20", "259")
    assert _cell(extraction, "page 3, table 1, row 33, column 7") == ("Grand Total", "Grand Total", "2500")
    assert "Offence Sub Group" in [f.value for f in extraction.findings if f.code == "unknown_column"]
