"""Extraction of layouts the sample corpus does not have, each built by code (tests/layouts): every case row
comes back with its verbatim cells and its locator, and nothing else comes back as a case."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from layouts import LETTER_LAYOUTS, TABLE_LAYOUTS, Layout

from pipeline.extract import extract_file


def _read(layout: Layout):
    return extract_file(layout.path, "test-force", f"test-force/{layout.path.name}")


def _as_expected(row) -> dict:
    got = {"locator": row.locator, **row.cells}
    got.update({f"context.{key}": value for key, value in row.context.items()})
    return got


@pytest.mark.parametrize("build", TABLE_LAYOUTS, ids=lambda b: b.__name__)
def test_every_case_row_is_recovered_verbatim_with_its_locator(build, tmp_path):
    layout = build(tmp_path)
    extraction = _read(layout)
    assert extraction.kind == "table"
    got = [_as_expected(row) for row in extraction.rows if row.cells]
    assert [{key: row.get(key) for key in want} for row, want in zip(got, layout.rows, strict=False)] == layout.rows
    assert len(got) == len(layout.rows)
    codes = {finding.code for finding in extraction.findings}
    assert set(layout.findings) <= codes
    assert not any(f.severity == "error" for f in extraction.findings)


@pytest.mark.parametrize("build", LETTER_LAYOUTS, ids=lambda b: b.__name__)
def test_letters_are_classified_with_their_sections(build, tmp_path):
    layout = build(tmp_path)
    extraction = _read(layout)
    assert (extraction.kind, extraction.refusal_basis) == (layout.kind, layout.refusal_basis)
    assert not [row for row in extraction.rows if row.cells]
    assert set(layout.findings) <= {finding.code for finding in extraction.findings}


@pytest.mark.parametrize("build", [b for b in LETTER_LAYOUTS if b.__name__ != "pdf_scan"], ids=lambda b: b.__name__)
def test_a_letter_states_its_period_and_the_sentence_it_was_decided_on(build, tmp_path):
    extraction = _read(build(tmp_path))
    assert (extraction.period_start, extraction.period_end) == ("2009-01-01", "2014-02-17")
    assert extraction.evidence.endswith(".")
    assert "\n" not in extraction.evidence and "  " not in extraction.evidence   # one sentence, lines rejoined


def test_the_refusal_evidence_is_the_sentence_that_refuses(tmp_path):
    from layouts import pdf_refusal_s12

    extraction = _read(pdf_refusal_s12(tmp_path))
    assert extraction.evidence.startswith("The cost of locating, retrieving and extracting this information would "
                                          "exceed the appropriate limit")


def test_a_column_nobody_can_place_is_a_warning_and_its_values_stay_in_extra(tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "odd.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["Year", "Allegation", "Outcome", "Colour of file"])
    ws.append(["2012", "Posted on Facebook", "Dismissed", "Blue"])
    wb.save(path)
    extraction = extract_file(path, "test-force", "test-force/odd.xlsx")
    row = extraction.rows[0]
    assert row.cells == {"year": "2012", "breach": "Posted on Facebook", "outcome": "Dismissed"}
    assert row.extra == {"Colour of file": "Blue"}
    assert row.cell_locators["breach"] == "'Sheet1'!B2"
    unknown = [f for f in extraction.findings if f.code == "unknown_column"]
    assert [(f.severity, f.value) for f in unknown] == [("warning", "Colour of file")]


def test_hints_place_columns_choose_sheets_and_are_listed_as_used(tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "hinted.xlsx"
    wb = Workbook()
    wb.active.title = "Cover"
    wb.active.append(["Year", "Allegation", "Outcome"])
    wb.active.append(["2010", "Not a case: an example row", "None"])
    ws = wb.create_sheet("Cases")
    ws.append(["When", "What happened", "What was done"])
    ws.append(["2013", "Posted a custody photo on Instagram", "Written warning"])
    wb.save(path)
    hints = {"sheets": ["Cases"], "header_row": 1,
             "columns": {"When": "year", "What happened": "breach", "What was done": "outcome"}}
    extraction = extract_file(path, "test-force", "test-force/hinted.xlsx", hints)
    assert [(r.locator, r.cells) for r in extraction.rows] == [
        ("'Cases'!A2:C2", {"year": "2013", "breach": "Posted a custody photo on Instagram",
                           "outcome": "Written warning"})]
    assert extraction.hints_used == ["columns", "header_row", "sheets"]


def test_pages_hint_reads_only_those_pages(tmp_path):
    from layouts import pdf_ruled_repeated_header_total

    layout = pdf_ruled_repeated_header_total(tmp_path)
    extraction = extract_file(layout.path, "test-force", "x.pdf", {"pages": [2]})
    assert [row.cells["breach"] for row in extraction.rows] == [case["breach"] for case in layout.rows[2:4]]


@pytest.mark.parametrize(("name", "content", "code", "words"), [
    ("letter.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "unsupported_format", "Word 97-2003"),
    ("cases.odt", b"PK\x03\x04", "unsupported_format", ".docx"),
    ("cases.wpd", b"junk", "unsupported_format", "ask the force"),
    ("broken.pdf", b"%PDF-1.4\n1 0 obj <<", "corrupt_file", "broken.pdf"),
    ("broken.xlsx", b"PK\x03\x04 not really a zip", "corrupt_file", "broken.xlsx"),
])
def test_a_file_that_cannot_be_read_is_an_error_finding_never_an_exception(tmp_path, name, content, code, words):
    path = tmp_path / name
    path.write_bytes(content)
    extraction = extract_file(path, "test-force", f"test-force/{name}")
    assert extraction.kind == "unknown"
    assert not extraction.rows
    [finding] = extraction.findings
    assert (finding.severity, finding.code) == ("error", code)
    assert words in finding.message and "test-force" in finding.message


def test_skip_hint_reads_nothing(tmp_path):
    from layouts import csv_bom_tab

    layout = csv_bom_tab(tmp_path)
    extraction = extract_file(layout.path, "test-force", "x.csv", {"skip": True})
    assert (extraction.rows, extraction.hints_used) == ([], ["skip"])
    assert len(extraction.source_sha256) == 64


@pytest.mark.parametrize(("text", "furniture"), [
    ("Page 2", True), ("Page 2 of 3", True), ("2 of 3", True), ("- 2 -", True), ("– 12 –", True),
    ("OFFICIAL", True), ("OFFICIAL-SENSITIVE", True), ("Official Sensitive", True), ("NOT PROTECTIVELY MARKED", True),
    ("Our ref: FOI 123/14", True), ("Your Reference: 2014/0123", True),
    ("2012", False), ("Written warning", False), ("Official warning given", False), ("2 officers", False),
    ("Reference to a colleague on Facebook", False), ("Page 2 of the policy was breached", False),
])
def test_page_numbers_markings_and_reference_lines_are_page_furniture(text, furniture):
    from pipeline.extract.furniture import is_furniture_text

    assert is_furniture_text(text) is furniture


FIXTURES = Path(__file__).with_name("fixtures")


def test_a_real_excel_97_workbook_is_read_with_its_dates_title_block_and_hidden_sheet(tmp_path):
    """tests/fixtures/cases-97.xls is a BIFF8 workbook written by xlwt (tests/fixtures/make_legacy_fixtures.py)."""
    path = tmp_path / "cases.xls"
    shutil.copy(FIXTURES / "cases-97.xls", path)
    extraction = extract_file(path, "test-force", "test-force/cases.xls")
    assert (extraction.kind, extraction.file_format) == ("table", "xls")
    assert [(row.locator, row.cells) for row in extraction.rows] == [
        ("'Cases 2012-2014'!A5:D5", {"date": "2012-03-14", "rank": "PC", "outcome": "Final written warning",
                                     "breach": "Posted a photograph of a prisoner on Facebook"}),
        ("'Cases 2012-2014'!A6:D6", {"date": "2013-11-02", "rank": "PCSO", "outcome": "Management advice",
                                     "breach": "Offensive comments about a colleague on Twitter"}),
        ("'Cases 2012-2014'!A7:D7", {"date": "2014-01-27", "rank": "Police Staff", "outcome": "Dismissed",
                                     "breach": "Disclosed details of an investigation on WhatsApp"})]
    assert extraction.rows[0].cell_locators["breach"] == "'Cases 2012-2014'!C5"
    assert [(f.code, f.value) for f in extraction.findings] == [
        ("totals_row_skipped", "Total |  | 3 | "), ("hidden_sheet_skipped", "")]


def test_a_real_word_97_letter_is_refused_naming_the_format_and_what_to_do(tmp_path):
    """tests/fixtures/letter-97.doc was saved by LibreOffice as 'MS Word 97' (tests/fixtures/make_legacy_fixtures.py)."""
    path = tmp_path / "letter.doc"
    shutil.copy(FIXTURES / "letter-97.doc", path)
    extraction = extract_file(path, "test-force", "test-force/letter.doc")
    assert (extraction.kind, extraction.rows) == ("unknown", [])
    assert [(f.severity, f.code, f.message) for f in extraction.findings] == [
        ("error", "unsupported_format",
         "test-force: test-force/letter.doc is a Word 97-2003 document (.doc); open it in Word or LibreOffice, save "
         "it as .docx next to it in raw/test-force/ and skip the .doc in return.yaml "
         "(files: {letter.doc: {skip: true}}).")]


def test_the_guard_reads_a_real_xls_and_refuses_a_real_doc_as_error_findings(tmp_path):
    from pipeline.guard import guarded_extract

    shutil.copy(FIXTURES / "cases-97.xls", tmp_path / "cases.xls")
    shutil.copy(FIXTURES / "letter-97.doc", tmp_path / "letter.doc")
    workbook = guarded_extract(tmp_path / "cases.xls", "test-force", "test-force/cases.xls", {}, extract_file)
    letter = guarded_extract(tmp_path / "letter.doc", "test-force", "test-force/letter.doc", {}, extract_file)
    assert (workbook.kind, len(workbook.rows)) == ("table", 3)
    assert [(f.severity, f.code) for f in letter.findings] == [("error", "unsupported_format")]
    assert "old Word document (DOC)" in letter.findings[0].message
