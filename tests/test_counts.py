"""Returns that are not case tables (issue 9): counts by year and category, '-' and blanks as zero,
suppressed '<5', count-prefixed outcomes, a case list with a summary that disagrees. Every return is a real
file built here (openpyxl, python-docx, csv) and read by the pipeline's own extractors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import docx
import pytest
from openpyxl import Workbook

from pipeline.extract import extract_file
from pipeline.extract.counts import CountValue, count_items, read_count
from pipeline.forces import force_by_id
from pipeline.process import counts_table, forces_table, process_return
from pipeline.publish import publish
from pipeline.returns import ReturnFolder, ReturnManifest
from pipeline.review import read_review_rows
from pipeline.vocabulary import decisions_applied, load_vocabulary, review_queue, write_review_file

YEARS_AS_COLUMNS = [
    ["Officers and social media", "", "", ""],
    ["", "2012", "2013", "2014"],
    ["No of Officers", "1", "2", "4"],
    ["Outcomes", "1x Written warning", "1x Final written warning, 1x Management advice",
     "3x Reflective practice requires improvement, 1x Dismissed"],
]


def _write(folder: Path, name: str, grid: list[list[str]], sheet: str = "Sheet1") -> Path:
    """One table in the format the file name says; numbers go into a spreadsheet as numbers."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if name.endswith(".xlsx"):
        workbook = Workbook()
        ws = workbook.active
        ws.title = sheet
        for row in grid:
            ws.append([int(v) if v.isdigit() else (v or None) for v in row])
        workbook.save(path)
    elif name.endswith(".csv"):
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(grid)
    else:
        document = docx.Document()
        document.add_paragraph("Please find our answer in the table below.")
        table = document.add_table(rows=len(grid), cols=len(grid[0]))
        for r, row in enumerate(grid):
            for c, value in enumerate(row):
                table.cell(r, c).text = value
        document.save(path)
    return path


def _process(folder: Path, force_id: str, manifest: ReturnManifest | None = None):
    files = sorted(p for p in folder.iterdir() if p.is_file())
    extractions = [extract_file(p, force_id, f"{force_id}/{p.name}") for p in files]
    return process_return(ReturnFolder(force_by_id(force_id), folder, files, manifest or ReturnManifest()),
                          extractions, load_vocabulary())


def _rows(counts) -> list[tuple]:
    return [(r.year, r.level, r.outcome_text, r.outcome_category, None if r.suppressed else int(r["count"]),
             r.source_locator) for _, r in counts.iterrows()]


@pytest.mark.parametrize("text, expected", [
    ("7", CountValue(7)),
    ("12.0", CountValue(12)),
    ("-", CountValue(0, how="zero_word")),
    ("–", CountValue(0, how="zero_word")),
    ("", CountValue(0, how="blank")),
    ("nil", CountValue(0, how="zero_word")),
    ("None", CountValue(0, how="zero_word")),
    ("Zero", CountValue(0, how="zero_word")),
    ("<5", CountValue(None, True, "suppressed")),
    ("< 3", CountValue(None, True, "suppressed")),
    ("*", CountValue(None, True, "suppressed")),
    ("fewer than 5", CountValue(None, True, "suppressed")),
    ("Written warning", None),
])
def test_a_count_cell_is_a_number_a_zero_or_suppressed(text, expected):
    assert read_count(text) == expected


@pytest.mark.parametrize("text", ["-", "", "nil"])
def test_a_dash_or_blank_is_not_zero_where_the_table_holds_no_numbers(text):
    assert read_count(text, zero_words_mean_zero=False) is None


def test_suppression_is_never_a_number_even_in_a_table_of_numbers():
    assert read_count("<5", zero_words_mean_zero=True).count is None


@pytest.mark.parametrize("text, expected", [
    ("1x Written warning, 2x Management advice", [(1, "Written warning"), (2, "Management advice")]),
    ("3 x Final written warning", [(3, "Final written warning")]),
    ("1x Written warning 2x Management advice", [(1, "Written warning"), (2, "Management advice")]),
    ("Dismissed (2); Written warning (1)", [(2, "Dismissed"), (1, "Written warning")]),
    ("Management advice", []),
    ("1x Written warning, Management advice", []),
])
def test_count_prefixed_lists_are_read_item_by_item(text, expected):
    assert count_items(text) == expected


@pytest.mark.parametrize("name, locators", [
    ("a.xlsx", ["'Sheet1'!B3", "'Sheet1'!C3", "'Sheet1'!D3", "'Sheet1'!B4", "'Sheet1'!C4", "'Sheet1'!C4",
                "'Sheet1'!D4", "'Sheet1'!D4"]),
    ("a.csv", ["row 3, column 2", "row 3, column 3", "row 3, column 4", "row 4, column 2", "row 4, column 3",
               "row 4, column 3", "row 4, column 4", "row 4, column 4"]),
    # Word rows are numbered as the case reader numbers them (the first row of the table is row 0).
    ("a.docx", ["table 1, row 2, column 2", "table 1, row 2, column 3", "table 1, row 2, column 4",
                "table 1, row 3, column 2", "table 1, row 3, column 3", "table 1, row 3, column 3",
                "table 1, row 3, column 4", "table 1, row 3, column 4"]),
])
def test_years_as_columns_with_count_prefixed_outcomes(tmp_path, name, locators):
    folder = tmp_path / "avon-and-somerset"
    _write(folder, name, YEARS_AS_COLUMNS)
    outcome = _process(folder, "avon-and-somerset")
    assert [row[:5] for row in _rows(outcome.counts)] == [
        ("2012", "total", "", "", 1),
        ("2013", "total", "", "", 2),
        ("2014", "total", "", "", 4),
        ("2012", "breakdown", "Written warning", "written_warning", 1),
        ("2013", "breakdown", "Final written warning", "final_written_warning", 1),
        ("2013", "breakdown", "Management advice", "management_action", 1),
        ("2014", "breakdown", "Reflective practice requires improvement", "management_action", 3),
        ("2014", "breakdown", "Dismissed", "dismissed", 1),
    ]
    assert [row[5] for row in _rows(outcome.counts)] == locators
    assert outcome.counts["count_text"].tolist()[4] == "1x Final written warning, 1x Management advice"
    assert outcome.counts["row_label"].tolist()[:4] == ["No of Officers"] * 3 + ["Outcomes"]
    summary = outcome.summary
    assert (summary.response_status, summary.grain, summary.cases) == ("responded", "count", 7)
    assert (summary.rows_read, summary.rows_published) == (0, 0)
    assert outcome.cases.empty


YEARS_AS_ROWS = [
    ["Year", "Dismissed", "Written warning", "Management advice"],
    ["2012", "1", "-", "2"],
    ["2013", "", "2", "nil"],
]


@pytest.mark.parametrize("name", ["b.xlsx", "b.csv", "b.docx"])
def test_dash_blank_and_nil_are_zero_in_a_table_of_numbers(tmp_path, name):
    folder = tmp_path / "north-yorkshire"
    _write(folder, name, YEARS_AS_ROWS)
    outcome = _process(folder, "north-yorkshire")
    assert [row[:5] for row in _rows(outcome.counts)] == [
        ("2012", "breakdown", "Dismissed", "dismissed", 1),
        ("2012", "breakdown", "Written warning", "written_warning", 0),
        ("2012", "breakdown", "Management advice", "management_action", 2),
        ("2013", "breakdown", "Dismissed", "dismissed", 0),
        ("2013", "breakdown", "Written warning", "written_warning", 2),
        ("2013", "breakdown", "Management advice", "management_action", 0),
    ]
    assert outcome.counts["count_text"].tolist() == ["1", "-", "2", "", "2", "nil"]
    assert (outcome.summary.grain, outcome.summary.cases) == ("count", 5)


def test_suppressed_cells_stay_suppressed_and_the_total_is_a_lower_bound(tmp_path):
    folder = tmp_path / "north-yorkshire"
    _write(folder, "c.xlsx", [["Year", "Dismissed", "Written warning"], ["2012", "<5", "3"], ["2013", "*", "-"]])
    outcome = _process(folder, "north-yorkshire")
    counts = outcome.counts
    assert counts["suppressed"].tolist() == [True, False, True, False]
    assert counts["count"].isna().tolist() == [True, False, True, False]
    assert counts["count_text"].tolist() == ["<5", "3", "*", "-"]
    assert outcome.summary.cases == 3
    messages = [f.message for f in outcome.summary.findings if f.code == "count_total_lower_bound"]
    assert messages == ["north-yorkshire: some counts are suppressed (e.g. '<5'); the force's total 3 is the sum "
                        "of the numbers given, a lower bound."]


def _case_workbook(path: Path, summary_2013: int) -> None:
    workbook = Workbook()
    cases = workbook.active
    cases.title = "Cases"
    cases.append(["Year", "Officer/Staff", "Allegation", "Outcome"])
    cases.append([2012, "Officer", "Inappropriate comments on Facebook", "Written warning"])
    cases.append([2013, "Staff", "Posted photographs in uniform on Twitter", "Management advice"])
    cases.append([2013, "Officer", "Offensive remarks about the public on Facebook", "Dismissed"])
    summary = workbook.create_sheet("Summary")
    summary.append(["", 2012, 2013])
    summary.append(["Total", 1, summary_2013])
    workbook.save(path)


def test_a_summary_that_disagrees_with_the_case_list_by_one_is_reported_and_not_added(tmp_path):
    folder = tmp_path / "cleveland"
    folder.mkdir()
    _case_workbook(folder / "answer.xlsx", summary_2013=3)
    outcome = _process(folder, "cleveland")
    summary = outcome.summary
    assert (summary.response_status, summary.grain, summary.cases, summary.rows_published) == (
        "responded", "case", 3, 3)
    assert outcome.counts["summary_of_cases"].tolist() == [True, True]
    found = [f for f in summary.findings if f.code == "summary_disagrees"]
    assert [(f.severity, f.message) for f in found] == [(
        "warning",
        "cleveland: the summary in cleveland/answer.xlsx counts 4 cases but the case list has 3; the case list is "
        "used and the summary is not added to it. By year: 2013: summary 3, case list 2.")]


def test_a_summary_that_agrees_is_noted(tmp_path):
    folder = tmp_path / "cleveland"
    folder.mkdir()
    _case_workbook(folder / "answer.xlsx", summary_2013=2)
    outcome = _process(folder, "cleveland")
    assert [f.code for f in outcome.summary.findings if f.code.startswith("summary_")] == ["summary_matches"]
    assert outcome.summary.cases == 3


def test_counts_are_published_with_their_own_table_resource_sheet_and_national_total(tmp_path):
    avon = tmp_path / "raw" / "avon-and-somerset"
    _write(avon, "a.xlsx", YEARS_AS_COLUMNS)
    cleveland = tmp_path / "raw" / "cleveland"
    cleveland.mkdir()
    _case_workbook(cleveland / "answer.xlsx", summary_2013=2)
    outcomes = [_process(avon, "avon-and-somerset"), _process(cleveland, "cleveland")]
    from pipeline.process import cases_table

    out = tmp_path / "published"
    publish(cases_table(outcomes), forces_table(outcomes), out, counts=counts_table(outcomes))
    with (out / "counts.csv").open(encoding="utf-8", newline="") as handle:
        published = list(csv.DictReader(handle))
    assert len(published) == 10
    first = published[0]
    assert {k: first[k] for k in ("force_id", "grain", "year", "level", "count", "count_text", "suppressed",
                                  "summary_of_cases", "source_file", "source_locator")} == {
        "force_id": "avon-and-somerset", "grain": "count", "year": "2012", "level": "total", "count": "1",
        "count_text": "1", "suppressed": "False", "summary_of_cases": "False",
        "source_file": "avon-and-somerset/a.xlsx", "source_locator": "'Sheet1'!B3"}
    assert [r["summary_of_cases"] for r in published[-2:]] == ["True", "True"]
    with (out / "forces.csv").open(encoding="utf-8", newline="") as handle:
        forces = {r["force_id"]: r for r in csv.DictReader(handle)}
    assert (forces["avon-and-somerset"]["grain"], forces["avon-and-somerset"]["cases"]) == ("count", "7")
    assert (forces["cleveland"]["grain"], forces["cleveland"]["cases"]) == ("case", "3")
    package = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in package["resources"]] == ["cases", "forces", "counts"]
    fields = {f["name"]: f["type"] for f in package["resources"][2]["schema"]["fields"]}
    assert (fields["count"], fields["suppressed"]) == ("integer", "boolean")
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "- 10 cases in all, the sum of `cases` in `forces.csv` over every force that answered:" in readme
    assert "  - 3 case rows in `cases.csv` from 1 forces that listed their cases;" in readme
    assert "  - 7 cases from 1 forces that answered in tables of numbers (`counts.csv`)." in readme
    from openpyxl import load_workbook

    workbook = load_workbook(out / "foi_dataset.xlsx")
    assert workbook.sheetnames == ["cases", "forces", "counts", "codebook"]
    assert workbook["counts"].max_row == 11
    assert sum(1 for row in workbook["codebook"].iter_rows(values_only=True) if row[0] == "counts") == 25


def test_categories_that_do_not_add_up_to_the_year_total_are_reported(tmp_path):
    folder = tmp_path / "avon-and-somerset"
    grid = [row[:] for row in YEARS_AS_COLUMNS]
    grid[3][3] = "3x Reflective practice requires improvement"     # 2014 says 4 officers
    _write(folder, "a.xlsx", grid)
    outcome = _process(folder, "avon-and-somerset")
    assert outcome.summary.cases == 7
    found = [(f.severity, f.message) for f in outcome.summary.findings if f.code == "count_breakdown_disagrees"]
    assert found == [("warning", "avon-and-somerset/a.xlsx (sheet 'Sheet1'): the categories do not add up to the "
                                 "total of the year (2014: total 4, categories 3); the totals are used.")]


def test_categories_that_add_up_raise_nothing(tmp_path):
    folder = tmp_path / "avon-and-somerset"
    _write(folder, "a.xlsx", YEARS_AS_COLUMNS)
    codes = {f.code for f in _process(folder, "avon-and-somerset").summary.findings}
    assert not codes & {"count_breakdown_disagrees", "count_tables_disagree", "count_total_lower_bound"}


def test_a_case_table_with_two_year_columns_stays_a_case_table(tmp_path):
    folder = tmp_path / "kent"
    _write(folder, "cases.xlsx", [
        ["Year recorded", "Year finalised", "Allegation", "Outcome"],
        ["2012", "2013", "Inappropriate comments on Facebook", "Written warning"],
        ["2011", "2012", "Posted photographs in uniform on Twitter", "Management advice"],
    ])
    outcome = _process(folder, "kent")
    assert outcome.counts.empty
    assert (outcome.summary.grain, outcome.summary.cases) == ("case", 2)
    assert outcome.cases["outcome_category"].tolist() == ["written_warning", "management_action"]


def test_consolidate_hands_the_counts_to_publish_without_breaking_frames(tmp_path):
    import pandas as pd

    from pipeline.process import consolidate

    folder = tmp_path / "raw" / "avon-and-somerset"
    _write(folder, "a.xlsx", YEARS_AS_COLUMNS)
    result = consolidate([_process(folder, "avon-and-somerset")], [], run_id="t", started_at="t",
                         raw_dir=tmp_path / "raw", published_dir=tmp_path / "published")
    assert len(result.counts) == 8
    assert len(pd.concat([result.forces, result.forces.copy()])) == 2
    publish(result.cases, result.forces, tmp_path / "published")
    with (tmp_path / "published" / "counts.csv").open(encoding="utf-8", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == 8


def _unplaced_count_table(folder: Path) -> None:
    _write(folder, "counts.xlsx", [["Outcome", "2012", "2013"], ["Written warning", "1", "2"],
                                   ["Referred to occupational health", "1", "-"]])


def _unplaced_prose_answer(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    document = docx.Document()
    for text in ("1. 3.", "3. Two officers received a stern talking-to and one officer was dismissed."):
        document.add_paragraph(text)
    document.save(folder / "answer.docx")


@pytest.mark.parametrize("write, text, count", [
    (_unplaced_count_table, "Referred to occupational health", 2),      # one row per year it is counted in
    (_unplaced_prose_answer, "stern talking-to", 1),
], ids=["count-table", "prose"])
def test_count_and_prose_labels_the_vocabulary_cannot_place_go_to_the_review_file(tmp_path, write, text, count):
    write(tmp_path / "kent")
    outcome = _process(tmp_path / "kent", "kent")
    assert "unmapped" in outcome.counts["outcome_category"].tolist()
    queue = review_queue(outcome.review_items, threshold=0.8)
    assert [(q["field"], q["text"], q["count"], q["forces"], q["chosen_code"]) for q in queue] == [
        ("outcome_category", text, count, "kent", "")]
    review = tmp_path / "review" / "decisions.csv"
    write_review_file(queue, review)
    assert read_review_rows(review)[0]["text"] == text


def test_a_decision_in_the_review_file_codes_the_count_label_on_the_next_run(tmp_path):
    _unplaced_count_table(tmp_path / "kent")
    review = tmp_path / "decisions.csv"
    review.write_text("field,text,count,forces,suggested_code,chosen_code,note\n"
                      "outcome_category,Referred to occupational health,2,kent,,other,welfare referral\n",
                      encoding="utf-8")
    files = sorted((tmp_path / "kent").iterdir())
    extractions = [extract_file(p, "kent", f"kent/{p.name}") for p in files]
    outcome = process_return(ReturnFolder(force_by_id("kent"), tmp_path / "kent", files, ReturnManifest()),
                             extractions, load_vocabulary(review))
    placed = outcome.counts[outcome.counts["outcome_text"] == "Referred to occupational health"]
    assert placed["outcome_category"].unique().tolist() == ["other"]
    assert review_queue(outcome.review_items, threshold=0.8) == []
    assert decisions_applied(outcome.review_items) == [
        {"field": "outcome_category", "text": "Referred to occupational health", "code": "other", "cases": 2}]
