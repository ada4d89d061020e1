import pytest

from pipeline.normalise import cell_locators, normalise_rows, record_id, year_of
from pipeline.records import CASE_COLUMNS, ExtractedRow
from pipeline.vocabulary import load_vocabulary


@pytest.mark.parametrize("text, year", [
    ("2013", "2013"),
    ("12/03/2013", "2013"),
    ("2013-03-12 00:00:00", "2013"),
    ("2012/13", "2012"),
    ("2012/2013", "2012"),
    ("41345", "2013"),          # an Excel serial date read as text
    ("12/03/13", "2013"),
    ("March 2011", "2011"),
    ("", ""),
    ("Not recorded", ""),
])
def test_year_of_reads_the_ways_forces_write_dates(text, year):
    assert year_of(text) == year


def _row(locator: str, source_file: str = "kent/answer.csv") -> ExtractedRow:
    return ExtractedRow("kent", source_file, "ab" * 32, locator)


def test_record_id_is_stable_and_distinct_per_row():
    assert record_id(_row("row 2")) == record_id(_row("row 2"))
    assert record_id(_row("row 2")) != record_id(_row("row 3"))
    assert record_id(_row("row 2")) != record_id(_row("row 2", "kent/other.csv"))
    assert record_id(_row("row 2")).startswith("kent-")


def _case_row(n: int, breach: str, outcome: str, rank: str) -> ExtractedRow:
    cells = {"breach": breach, "outcome": outcome, "rank": rank, "year": "2013"}
    return ExtractedRow("kent", "kent/answer.csv", "ab" * 32, f"row {n}", cells,
                        {role: f"{col}{n}" for role, col in zip(cells, "ABCD")})


CASE_TEXTS = [
    ("Posted offensive comments on Facebook", "Dismissed", "PC"),
    ("Inappropriate  relationship via   Twitter", "Written warning", "Sergeant"),
    ("Disclosed police information on social media", "No further action", "Police staff"),
]


def test_each_row_becomes_one_case_in_the_order_read_with_its_own_codes():
    vocabulary = load_vocabulary()
    rows = [_case_row(n, *texts) for n, texts in enumerate(CASE_TEXTS * 2, start=2)]
    cases = normalise_rows(rows, vocabulary)
    assert list(cases.columns) == list(CASE_COLUMNS)
    assert cases["record_id"].tolist() == [record_id(row) for row in rows]
    assert cases["source_locator"].tolist() == [row.locator for row in rows]
    for (breach, outcome, rank), case in zip(CASE_TEXTS * 2, cases.to_dict("records")):
        breach = " ".join(breach.split())
        assert case["breach_text"] == breach
        assert case["breach_category"] == vocabulary.map("breach_category", breach).code
        assert case["outcome_category"] == vocabulary.map("outcome_category", outcome).code
        assert case["outcome_confidence"] == round(vocabulary.map("outcome_category", outcome).confidence, 3)
        assert case["rank"] == vocabulary.map("rank", rank).code
        assert case["year"] == "2013"


def test_no_rows_make_an_empty_table_with_the_case_columns_and_their_types():
    cases = normalise_rows([], load_vocabulary())
    assert list(cases.columns) == list(CASE_COLUMNS)
    assert str(cases["breach_confidence"].dtype) == "float64"
    assert str(cases["outcome_confidence"].dtype) == "float64"
    assert cases["record_id"].dtype == cases["force_id"].dtype == cases["breach_text"].dtype


def test_cell_locators_are_the_rows_own_dicts_under_their_cases_record_ids():
    rows = [_case_row(n, *texts) for n, texts in enumerate(CASE_TEXTS, start=2)]
    record_ids = normalise_rows(rows, load_vocabulary())["record_id"]
    locators = cell_locators(rows, record_ids)
    assert list(locators) == [record_id(row) for row in rows]
    assert all(locators[record_id(row)] is row.cell_locators for row in rows)
    assert locators[record_id(rows[1])]["breach"] == "A3"


def test_cell_locators_refuse_record_ids_that_are_not_one_per_row():
    rows = [_case_row(n, *texts) for n, texts in enumerate(CASE_TEXTS, start=2)]
    with pytest.raises(ValueError):
        cell_locators(rows, [record_id(row) for row in rows[:2]])


def test_respacing_collapses_whitespace_and_keeps_a_clean_text_as_the_same_string():
    from pipeline.normalise import _spaced

    assert _spaced("  Posted\ncomments \t on  Facebook ") == "Posted comments on Facebook"
    clean = "".join(["Posted comments ", "on Facebook"])
    assert _spaced(clean) is clean
