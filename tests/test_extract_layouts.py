"""Layouts the sample corpus does not use, extracted with no manifest: every row, exact verbatim text."""

import pytest

from pipeline.extract import extract_file
from tests.layouts import BUILDERS


@pytest.mark.parametrize("build", BUILDERS, ids=lambda b: b.__name__)
def test_layout_is_extracted_whole_with_verbatim_text(build, tmp_path):
    layout = build(tmp_path)
    extraction = extract_file(layout.path, "kent", f"kent/{layout.path.name}")
    assert extraction.kind == "table"
    got = [{role: row.cells[role] for role in expected} for row, expected in
           zip(extraction.rows, layout.rows, strict=False)]
    assert got == layout.rows
    assert len(extraction.rows) == len(layout.rows)
    assert extraction.rows[0].locator == layout.first_locator


def test_hidden_rows_are_read_and_said_so(tmp_path):
    from tests.layouts import xlsx_hidden_row_and_uncached_formula

    layout = xlsx_hidden_row_and_uncached_formula(tmp_path)
    extraction = extract_file(layout.path, "kent", "kent/hidden.xlsx")
    codes = [f.code for f in extraction.findings]
    assert "hidden_rows_used" in codes
    assert "formula_without_value" in codes


def test_a_column_nobody_can_place_is_reported_not_guessed(tmp_path):
    from pipeline.samples import write_csv

    path = tmp_path / "odd.csv"
    write_csv(path, ["Year", "Details", "Result", "Wibble"], [["2012", "Mis-use of Facebook", "NFA", "x"]])
    extraction = extract_file(path, "kent", "kent/odd.csv")
    assert extraction.rows[0].extra == {"Wibble": "x"}
    unknown = [f for f in extraction.findings if f.code == "unknown_column"]
    assert [f.value for f in unknown] == ["Wibble"]
