"""Returns that answer in numbers, not a row per case (issue 9): the force's drawn cases are counted by year
and outcome and written as the count tables real forces sent.

- ``xlsx_counts``: outcomes as rows, years as columns, zero written as ``zero_as`` ("-" or ""), a Total row
  and a Total column (North Yorkshire, which "declined to provide information about the exact nature").
- ``csv_years_columns``: years as columns, a "No of Officers" row and an "Outcomes" row of count-prefixed
  lists ("1x Written warning, 2x Management advice"), a blank where a year had none (Avon & Somerset 221/21).

Each cell written is also a ``CountTruth`` row: what the pipeline must publish in counts.csv for it.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from pipeline.office_zip import save_workbook
from pipeline.samples.cases import SampleCase, force_period
from pipeline.samples.office import _new_workbook
from pipeline.samples.pool import plan
from pipeline.samples.truth import CountTruth

COUNT_LAYOUTS = ("xlsx_counts", "csv_years_columns")


def _years(entry: dict) -> list[int]:
    start, end = force_period(entry)
    return list(range(start.year, end.year + 1))


def _label(code: str) -> str:
    return plan()["count_labels"][code]


def _ordered_codes(cases: list[SampleCase]) -> list[str]:
    present = {c.outcome.code for c in cases}
    return [code for code in plan()["count_labels"] if code in present]


def _truth(force_id: str, source_file: str, locator: str, year: object, level: str, code: str, count: int,
           text: str) -> CountTruth:
    return CountTruth(force_id=force_id, source_file=source_file, locator=locator, year=str(year or ""),
                      level=level, outcome_text=_label(code) if code else "", outcome_category=code,
                      count=count, count_text=text)


def write_xlsx_counts(force_id: str, entry: dict, cases: list[SampleCase], path: Path) -> list[CountTruth]:
    years = _years(entry)
    by = Counter((c.outcome.code, c.year) for c in cases)
    zero = entry.get("zero_as", "-")
    sheet_name = entry.get("sheet", "Sheet1")
    source_file = f"{force_id}/{path.name}"
    workbook = _new_workbook()
    sheet = workbook.active
    sheet.title = sheet_name
    r = 1
    for line in entry.get("title", ()):
        sheet.cell(row=r, column=1, value=line).font = Font(bold=r == 1)
        r += 1
    r += 1 if entry.get("title") else 0
    header = ["Outcome", *years, "Total"]
    for c, value in enumerate(header, start=1):
        sheet.cell(row=r, column=c, value=value).font = Font(bold=True)
    truth: list[CountTruth] = []

    def cell(row: int, col: int, value: int, year: object, level: str, code: str) -> None:
        shown = value if value else (zero or None)
        sheet.cell(row=row, column=col, value=shown)
        locator = f"'{sheet_name}'!{get_column_letter(col)}{row}"
        truth.append(_truth(force_id, source_file, locator, year, level, code, value,
                            "" if shown is None else str(shown)))

    for code in _ordered_codes(cases):
        r += 1
        sheet.cell(row=r, column=1, value=_label(code))
        for c, year in enumerate(years, start=2):
            cell(r, c, by[(code, year)], year, "breakdown", code)
        cell(r, len(years) + 2, sum(by[(code, y)] for y in years), "", "breakdown", code)
    r += 1
    sheet.cell(row=r, column=1, value="Total").font = Font(bold=True)
    for c, year in enumerate(years, start=2):
        cell(r, c, sum(1 for x in cases if x.year == year), year, "total", "")
    cell(r, len(years) + 2, len(cases), "", "total", "")
    save_workbook(workbook, path)
    return truth


def _items(cases: list[SampleCase], year: int) -> list[tuple[int, str]]:
    counted = Counter(c.outcome.code for c in cases if c.year == year)
    return [(counted[code], code) for code in plan()["count_labels"] if counted[code]]


def write_csv_years_columns(force_id: str, entry: dict, cases: list[SampleCase], path: Path) -> list[CountTruth]:
    years = _years(entry)
    source_file = f"{force_id}/{path.name}"
    officers = ["No of Officers"] + [str(sum(1 for c in cases if c.year == y)) for y in years]
    outcomes = ["Outcomes"] + [", ".join(f"{n}x {_label(code)}" for n, code in _items(cases, y)) for y in years]
    with path.open("w", encoding=entry.get("encoding", "utf-8"), newline="") as handle:
        writer = csv.writer(handle, delimiter=entry.get("delimiter", ","), lineterminator="\r\n")
        writer.writerows([[""] + [str(y) for y in years], officers, outcomes])
    truth = []
    for c, year in enumerate(years, start=2):
        truth.append(_truth(force_id, source_file, f"row 2, column {c}", year, "total", "",
                            int(officers[c - 1]), officers[c - 1]))
    for c, year in enumerate(years, start=2):
        items = _items(cases, year)
        if not items:
            truth.append(_truth(force_id, source_file, f"row 3, column {c}", year, "breakdown", "", 0, ""))
        for n, code in items:
            truth.append(_truth(force_id, source_file, f"row 3, column {c}", year, "breakdown", code, n,
                                outcomes[c - 1]))
    return truth


def summary_sheet(force_id: str, entry: dict, cases: list[SampleCase], source_file: str
                  ) -> tuple[tuple[str, list[list]], list[CountTruth]]:
    """A summary of a case list on its own sheet, years as columns ("Number of investigations" and a Total
    column), and its truth: published in counts.csv as a summary, checked against the cases, never added."""
    name = entry["summary_sheet"]
    years = _years(entry)
    per_year = [sum(1 for c in cases if c.year == y) for y in years]
    rows = [["", *years, "Total"], ["Number of investigations", *per_year, len(cases)]]
    truth = []
    for c, (year, n) in enumerate([*zip(years, per_year, strict=True), ("", len(cases))], start=2):
        row = _truth(force_id, source_file, f"'{name}'!{get_column_letter(c)}2", year, "total", "", n, str(n))
        row.summary_of_cases = True
        truth.append(row)
    return (name, rows), truth


def write_counts(force_id: str, entry: dict, cases: list[SampleCase], path: Path) -> list[CountTruth]:
    if entry["layout"] == "xlsx_counts":
        return write_xlsx_counts(force_id, entry, cases, path)
    return write_csv_years_columns(force_id, entry, cases, path)
