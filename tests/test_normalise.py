import pytest

from pipeline.normalise import record_id, year_of
from pipeline.records import ExtractedRow


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
