"""Validation of normalised cases and extracted rows: every failure traced to its cell, split by the gate."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.records import CASE_COLUMNS, ExtractedRow
from pipeline.validate import QUARANTINE_COLUMNS, load_gate, validate_cases, validate_extracted

# The codes of docs/shared vocabulary spec, as the flow passes them (vocabulary.codes(field)).
CODES = {
    "breach_category": ("discriminatory", "harassment", "disclosure", "inappropriate_contact", "work_imagery",
                        "criticism_or_political", "misuse_on_duty", "inappropriate_content", "other",
                        "not_stated"),
    "outcome_category": ("dismissed", "resigned_or_retired", "final_written_warning", "written_warning",
                         "verbal_warning", "management_action", "no_case_to_answer", "not_upheld",
                         "no_further_action", "ongoing", "other", "not_stated"),
    "person_type": ("officer", "staff", "special_constable", "pcso", "volunteer", "not_stated"),
    "rank": ("constable", "sergeant", "inspector_or_above", "inspector", "chief_inspector",
             "superintendent_or_above", "staff_grade", "not_stated"),
    "platform": ("facebook", "twitter", "instagram", "whatsapp", "snapchat", "youtube", "linkedin", "dating_site",
                 "blog_or_forum", "other", "not_stated"),
}
PERIODS = {"west-mercia": ("2009-01-01", "2014-02-17"), "kent": ("2011-04-01", "2013-03-31")}
SHA = "a3" * 32

# One return per format: (force, file, row locator, year cell locator, breach cell locator).
LAYOUTS = {
    "pdf": ("west-mercia", "west-mercia/response.pdf", "page 2, table 1, row 4", "page 2, table 1, row 4, column 1",
            "page 2, table 1, row 4, column 3"),
    "xlsx": ("kent", "kent/misconduct.xlsx", "'2012'!A7:E7", "'2012'!A7", "'2012'!C7"),
    "csv": ("kent", "kent/answer.csv", "row 5", "row 5, column 1", "row 5, column 3"),
    "docx": ("west-mercia", "west-mercia/reply.docx", "table 1, row 4", "table 1, row 4, column 1",
             "table 1, row 4, column 3"),
}


def case(n: int = 1, **changes) -> dict:
    force = changes.get("force_id", "west-mercia")
    row = {
        "record_id": f"{force}-{n:012x}", "force_id": force, "force_name": "West Mercia Police", "year": "2012",
        "date_text": "", "person_type": "officer", "person_type_text": "Police Officer", "rank": "constable",
        "rank_text": "PC", "breach_text": "Inappropriate comments on Facebook",
        "breach_category": "inappropriate_content", "breach_method": "pattern", "breach_confidence": 0.9,
        "standards": "", "platform": "facebook", "platform_text": "", "outcome_text": "Management advice",
        "outcome_category": "management_action", "outcome_method": "exact", "outcome_confidence": 1.0,
        "case_ref": str(n), "source_file": f"{force}/response.pdf", "source_locator": f"page 1, table 1, row {n}",
        "source_sha256": SHA,
    }
    row.update(changes)
    return row


def cases(*rows: dict) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=list(CASE_COLUMNS))
    return frame.astype({c: "str" for c in CASE_COLUMNS if not c.endswith("_confidence")})


def validate(frame: pd.DataFrame, cell_locators=None, gate=None):
    return validate_cases(frame, allowed_codes=CODES, periods=PERIODS, cell_locators=cell_locators, gate=gate)


def test_clean_cases_all_publish_with_no_failures():
    result = validate(cases(case(1), case(2, year=""), case(3, person_type="unmapped")))
    assert result.failures == []
    assert result.published["record_id"].tolist() == [
        "west-mercia-000000000001", "west-mercia-000000000002", "west-mercia-000000000003"]
    assert list(result.quarantined.columns) == list(QUARANTINE_COLUMNS)
    assert len(result.quarantined) == 0


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_year_outside_the_forces_period_is_quarantined_naming_the_year_cell(layout):
    force, source_file, row_locator, year_cell, breach_cell = LAYOUTS[layout]
    bad = case(2, force_id=force, year="2008", source_file=source_file, source_locator=row_locator)
    locators = {bad["record_id"]: {"year": year_cell, "breach": breach_cell}}
    result = validate(cases(case(1, force_id=force, source_file=source_file), bad), cell_locators=locators)

    [failure] = result.failures
    start, end = PERIODS[force]
    assert (failure.stage, failure.check, failure.column, failure.value) == ("cases", "year_in_period", "year",
                                                                            "2008")
    assert (failure.force_id, failure.source_file, failure.locator) == (force, source_file, year_cell)
    assert failure.action == "quarantine"
    assert failure.record_id == bad["record_id"]
    assert failure.message == f"year 2008 is outside the period the force answered for ({start} to {end})"
    assert result.published["record_id"].tolist() == [f"{force}-000000000001"]
    assert result.quarantined.loc[0, "record_id"] == bad["record_id"]
    assert result.quarantined.loc[0, "reason"] == failure.message
    assert (result.quarantined.loc[0, "check"], result.quarantined.loc[0, "value"]) == ("year_in_period", "2008")


def test_a_year_taken_from_a_date_cell_blames_the_date_cell():
    bad = case(1, force_id="kent", year="2014", date_text="03/01/2014", source_file="kent/answer.csv",
               source_locator="row 2")
    result = validate(cases(bad), cell_locators={bad["record_id"]: {"date": "row 2, column 2"}})
    assert [(f.check, f.locator) for f in result.failures] == [("year_in_period", "row 2, column 2")]


def test_a_year_inherited_from_the_sheet_name_blames_the_row():
    bad = case(1, force_id="kent", year="2010", source_file="kent/m.xlsx", source_locator="'2010'!A3:E3")
    result = validate(cases(bad), cell_locators={bad["record_id"]: {"breach": "'2010'!C3"}})
    assert [(f.check, f.value, f.locator) for f in result.failures] == [("year_in_period", "2010", "'2010'!A3:E3")]


@pytest.mark.parametrize(("column", "bad_code", "role", "cell"), [
    ("breach_category", "rude", "breach", "page 1, table 1, row 1, column 3"),
    ("outcome_category", "sacked", "outcome", "page 1, table 1, row 1, column 4"),
    ("person_type", "civilian", "person_type", "page 1, table 1, row 1, column 2"),
    ("rank", "pc", "rank", "page 1, table 1, row 1, column 2"),
    ("platform", "myspace", "platform", "page 1, table 1, row 1, column 5"),
])
def test_code_outside_the_vocabulary_is_quarantined_naming_its_cell(column, bad_code, role, cell):
    bad = case(1, **{column: bad_code})
    result = validate(cases(bad, case(2)), cell_locators={bad["record_id"]: {role: cell}})
    [failure] = result.failures
    assert (failure.check, failure.column, failure.value, failure.locator, failure.action) == (
        "code_in_vocabulary", column, bad_code, cell, "quarantine")
    assert failure.message == f"{column} '{bad_code}' is not a code of the vocabulary"
    assert result.published["record_id"].tolist() == ["west-mercia-000000000002"]


def _arrow_bytes(frame: pd.DataFrame) -> int:
    """Bytes of the Arrow buffers a frame's columns keep alive (a slice keeps its whole parent's)."""
    columns = [frame[c].array._pa_array for c in frame.columns if hasattr(frame[c].array, "_pa_array")]
    return sum(b.size for column in columns for chunk in column.chunks for b in chunk.buffers() if b is not None)


def test_an_empty_quarantine_holds_none_of_its_returns_data_in_memory():
    result = validate(cases(*(case(n, breach_text="Inappropriate comments on Facebook " * 20)
                              for n in range(1, 2001))))
    assert len(result.quarantined) == 0 and len(result.published) == 2000
    assert _arrow_bytes(result.published) > 1_000_000      # the text columns are Arrow-backed
    assert _arrow_bytes(result.quarantined) < 1_000         # not a zero-row view of the published columns


def test_a_row_failing_two_checks_is_quarantined_once_with_both_reasons():
    bad = case(1, year="2015", outcome_category="sacked")
    result = validate(cases(bad))
    assert len(result.quarantined) == 1
    assert result.quarantined.loc[0, "check"] == "year_in_period; code_in_vocabulary"
    assert result.quarantined.loc[0, "column"] == "year; outcome_category"
    assert result.quarantined.loc[0, "reason"] == (
        "year 2015 is outside the period the force answered for (2009-01-01 to 2014-02-17); "
        "outcome_category 'sacked' is not a code of the vocabulary")


@pytest.mark.parametrize(("changes", "check", "column", "value"), [
    ({"year": "12/13"}, "year_format", "year", "12/13"),
    ({"breach_text": "Total", "case_ref": ""}, "not_a_totals_row", "breach_text", "Total"),
    ({"case_ref": "Grand total:"}, "not_a_totals_row", "breach_text", "Inappropriate comments on Facebook"),
    ({"breach_confidence": 1.5}, "confidence_range", "breach_confidence", "1.5"),
    ({"source_locator": ""}, "locator_present", "source_locator", ""),
    ({"source_file": "kent/response.pdf"}, "source_in_force_folder", "source_file", "kent/response.pdf"),
    ({"date_text": "", "person_type_text": "", "rank_text": "", "breach_text": "", "outcome_text": "",
      "platform_text": ""}, "row_has_content", "breach_text", ""),
])
def test_rows_that_are_not_cases_are_quarantined(changes, check, column, value):
    result = validate(cases(case(1, **changes)))
    assert [(f.check, f.column, f.value, f.action) for f in result.failures] == [(check, column, value, "quarantine")]
    assert len(result.published) == 0


def test_standards_are_checked_code_by_code_when_the_vocabulary_lists_them():
    codes = {**CODES, "standards": ("discreditable_conduct", "confidentiality")}
    frame = cases(case(1, standards="discreditable_conduct;confidentiality"), case(2, standards="confidentiality;x"))
    result = validate_cases(frame, allowed_codes=codes, periods=PERIODS)
    assert [(f.check, f.column, f.value, f.record_id) for f in result.failures] == [
        ("code_in_vocabulary", "standards", "confidentiality;x", "west-mercia-000000000002")]


def test_a_missing_column_cannot_be_quarantined_so_it_withholds():
    result = validate(cases(case(1)).drop(columns=["outcome_category"]))
    missing = [f for f in result.failures if f.check == "column_in_dataframe"]
    assert [(f.value, f.action) for f in missing] == [("outcome_category", "withhold")]
    assert len(result.quarantined) == 0


def test_an_empty_return_validates_cleanly():
    result = validate(pd.DataFrame(columns=list(CASE_COLUMNS)))
    assert result.failures == []
    assert len(result.published) == 0 and list(result.quarantined.columns) == list(QUARANTINE_COLUMNS)


def test_the_gate_decides_quarantine_or_warn(tmp_path):
    path = tmp_path / "gate.yaml"
    path.write_text("default: {action: withhold}\nchecks:\n  year_in_period: {action: warn, message: 'odd {value}'}\n")
    result = validate(cases(case(1, year="2020")), gate=load_gate(path))
    assert [(f.check, f.action, f.message) for f in result.failures] == [("year_in_period", "warn", "odd 2020")]
    assert result.published["year"].tolist() == ["2020"]
    assert len(result.quarantined) == 0


def row(locator: str, **changes) -> ExtractedRow:
    values = {"force_id": "kent", "source_file": "kent/answer.csv", "source_sha256": SHA, "locator": locator,
              "cells": {"breach": "Posted on Facebook", "outcome": "Words of advice"}}
    values.update(changes)
    return ExtractedRow(**values)


def test_extracted_rows_with_documented_locators_pass():
    rows = [row("row 2"), row("'2012 13'!A7:E7", source_file="kent/m.xlsx"), row("page 3, table 1, row 12"),
            row("table 2, row 1", source_file="kent/r.docx"), row("'Ivan''s sheet'!B3:F3", source_file="kent/m.xlsx")]
    assert validate_extracted(rows, "kent") == []


def test_extracted_row_faults_are_reported_with_their_locator():
    rows = [row("row 2"), row("row 2"), row("line 7"), row("row 9", force_id="essex"), row("row 10", cells={}),
            row("row 11", source_sha256="")]
    failures = validate_extracted(rows, "kent")
    found = [(f.check, f.locator, f.value, f.action) for f in failures]
    assert found == [
        ("locator_format", "line 7", "line 7", "warn"),
        ("locator_unique", "row 2", "row 2", "warn"),
        ("locator_unique", "row 2", "row 2", "warn"),
        ("force_matches_folder", "row 9", "essex", "withhold"),
        ("row_has_cells", "row 10", "", "warn"),
        ("sha256_format", "row 11", "", "warn"),
    ]
    assert {f.force_id for f in failures} == {"kent"}
    assert failures[3].message == "row read from raw/kent/ says it belongs to force 'essex'"


def test_a_row_has_cells_when_any_one_of_them_is_not_blank():
    rows = [row("row 2", cells={"breach": " ", "outcome": "", "rank": "PC"}),
            row("row 3", cells={"breach": "  ", "outcome": "\t"}), row("row 4", cells={"breach": None})]
    found = [(f.check, f.locator, f.value) for f in validate_extracted(rows, "kent")]
    assert found == [("row_has_cells", "row 3", ""), ("row_has_cells", "row 4", "")]


def test_every_code_of_the_vocabulary_passes_the_case_schema():
    from pipeline.vocabulary import load_vocabulary

    vocabulary = load_vocabulary()
    allowed = {name: vocabulary.codes(name) for name in vocabulary.fields}
    rows = [case(i + 1, **{column: code}) for i, (column, code) in enumerate(
        (column, code) for column in ("breach_category", "outcome_category", "person_type", "rank", "platform")
        for code in allowed[column])]
    result = validate_cases(cases(*rows), allowed_codes=allowed, periods=PERIODS)
    assert result.failures == []
    assert len(result.published) == len(rows)


def test_period_bounds_may_be_dates_or_missing():
    import datetime as dt

    periods = {"kent": (dt.date(2011, 4, 1), ""), "west-mercia": ("", "2013")}
    frame = cases(case(1, force_id="kent", year="2010", source_file="kent/a.csv"),
                  case(2, force_id="kent", year="2030", source_file="kent/a.csv"), case(3, year="1999"),
                  case(4, year="2014"))
    result = validate_cases(frame, allowed_codes=CODES, periods=periods)
    assert [(f.force_id, f.value) for f in result.failures] == [("kent", "2010"), ("west-mercia", "2014")]
    assert result.failures[0].message == "year 2010 is outside the period the force answered for (2011-04-01 to ...)"


def test_failures_are_ordered_by_stage_force_file_locator_check_and_column_and_ties_keep_their_order():
    import itertools

    from pipeline.records import Failure
    from pipeline.validate import _sorted, natural_key

    failures = [Failure(stage=stage, check=check, column=column, force_id=force, source_file=f"{force}/{name}",
                        locator=locator, value=str(n))
                for n, (stage, force, name, locator, check, column) in enumerate(itertools.product(
                    ("extracted", "cases"), ("kent", "essex"), ("b.csv", "a.csv"), ("row 10", "row 2"),
                    ("year_in_period", "code_allowed"), ("year", "rank")))]
    failures += failures[:5]                      # exact ties: kept in the order they came
    shuffled = failures[7:] + failures[:7]
    expected = sorted(shuffled, key=lambda f: (f.stage, f.force_id, f.source_file, natural_key(f.locator),
                                               f.check, f.column))
    assert [id(f) for f in _sorted(shuffled)] == [id(f) for f in expected]
    assert _sorted(shuffled)[0].locator == "row 2"


def test_a_failing_row_is_found_by_its_label_on_any_index():
    from pipeline.validate import _Rows

    numbered = _Rows(pd.DataFrame({"force_id": ["kent", "essex", "avon"]}))
    assert numbered(1) == {"force_id": "essex"}
    assert numbered(2.0) == {"force_id": "avon"}           # pandera gives a float beside a NaN
    assert numbered(3) == numbered(1.5) == numbered(None) == {}
    labelled = _Rows(pd.DataFrame({"force_id": ["kent", "essex"], "rank": ["PC", "DC"]}, index=[10, 20]))
    assert labelled(20, frozenset({"rank"})) == {"rank": "DC"}
    assert labelled(0) == {}


def test_locators_sort_with_their_numbers_as_numbers():
    from pipeline.validate import natural_key

    locators = ["page 10, table 1, row 2", "page 2, table 1, row 10", "page 2, table 1, row 9", "12", "2",
                "'2012'!A10", "'2012'!A9", "", "row 2 of 10"]
    assert sorted(locators, key=natural_key) == ["", "2", "12", "'2012'!A9", "'2012'!A10", "page 2, table 1, row 9",
                                                 "page 2, table 1, row 10", "page 10, table 1, row 2", "row 2 of 10"]
