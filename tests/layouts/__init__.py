"""Return layouts the sample corpus does not use, built by code. Each builder writes one file into a
folder and returns it with the rows an extractor must recover (role -> verbatim text)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import docx
from openpyxl import Workbook

from pipeline.samples import write_ruled_pdf, write_unruled_pdf

CASES = [
    ("2010", "PC", "Inappropriate comments made via Twitter", "Final written warning"),
    ("2011", "Sgt", "Sent friend requests to victims of crime", "Management advice"),
    ("2012", "Grade 4", "Disclosure of information about work on social media", "No case to answer"),
    ("2013", "DC", "Racist comments posted on Facebook", "Dismissed without notice"),
]


@dataclass
class Layout:
    path: Path
    rows: list[dict[str, str]]        # what must be extracted, in order
    first_locator: str                # the locator of the first data row


def _expected(cases=CASES, roles=("year", "rank", "breach", "outcome")) -> list[dict[str, str]]:
    return [dict(zip(roles, case, strict=True)) for case in cases]


def csv_tab_delimited_with_quoted_newlines(folder: Path) -> Layout:
    path = folder / "tab.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\r\n")
        writer.writerow(["Year", "Rank", "Allegation Details", "Sanction"])
        for year, rank, breach, outcome in CASES:
            writer.writerow([year, rank, breach.replace(" via ", "\nvia "), outcome])
    return Layout(path, _expected(), "row 2")


def csv_semicolon_cp1252_with_title_lines(folder: Path) -> Layout:
    path = folder / "titled.csv"
    cases = [(y, r, b.replace("comments", "comments ‘quoted’"), o) for y, r, b, o in CASES]
    with path.open("w", encoding="cp1252", newline="") as handle:
        handle.write("Avon & Somerset Constabulary – FOI 221/14\r\n\r\n")
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(["Year", "Rank/Grade", "Nature of Allegation", "Result"])
        writer.writerows(cases)
    return Layout(path, _expected(cases), "row 4")


def xlsx_hidden_row_and_uncached_formula(folder: Path) -> Layout:
    path = folder / "hidden.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Cases"
    sheet.append(["Professional Standards Department"])
    sheet.append([])
    sheet.append(["Year", "Rank", "Description of Misconduct", "Finalised Outcome", "Days"])
    for case in CASES:
        sheet.append([int(case[0]), *case[1:], "=1+1"])
    sheet.row_dimensions[5].hidden = True
    workbook.save(path)
    return Layout(path, _expected(), "'Cases'!A4:E4")


def xlsx_dates_as_serial_numbers(folder: Path) -> Layout:
    path = folder / "serial.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Data"
    sheet.append(["Date Recorded", "Rank", "Details", "Result"])
    serials = {"2010": 40300, "2011": 40700, "2012": 41000, "2013": 41400}
    for year, rank, breach, outcome in CASES:
        sheet.append([serials[year], rank, breach, outcome])   # numbers with no date format
    workbook.save(path)
    rows = [{"date": str(serials[y]), "rank": r, "breach": b, "outcome": o} for y, r, b, o in CASES]
    return Layout(path, rows, "'Data'!A2:D2")


def docx_two_row_merged_header(folder: Path) -> Layout:
    path = folder / "merged.docx"
    document = docx.Document()
    document.add_paragraph("Please find below the information you requested.")
    table = document.add_table(rows=2, cols=4)
    top, below = table.rows[0].cells, table.rows[1].cells
    top[0].text = "Year"
    merged = top[1].merge(top[2])
    merged.text = "Officer/Staff details"
    top[3].text = "Outcome"
    below[1].text = "Rank"
    below[2].text = "Allegation"
    for year, rank, breach, outcome in CASES:
        cells = table.add_row().cells
        for cell, text in zip(cells, (year, rank, breach, outcome), strict=True):
            cell.text = text
    document.save(path)
    return Layout(path, _expected(), "table 1, row 2")


def docx_letter_then_numbered_table(folder: Path) -> Layout:
    path = folder / "numbered.docx"
    document = docx.Document()
    document.add_paragraph("I can confirm that the information you have requested is held.")
    table = document.add_table(rows=1, cols=5)
    for cell, heading in zip(table.rows[0].cells, ("No.", "Year", "Rank", "Complaint / Conduct Matter",
                                                   "Result of Investigation"), strict=True):
        cell.text = heading
    for n, case in enumerate(CASES, start=1):
        for cell, text in zip(table.add_row().cells, (str(n), *case), strict=True):
            cell.text = text
    document.add_paragraph("Yours sincerely")
    document.save(path)
    rows = [{"case_ref": str(n), **row} for n, row in enumerate(_expected(), start=1)]
    return Layout(path, rows, "table 1, row 1")


def pdf_ruled_narrow_columns_wrapping_everywhere(folder: Path) -> Layout:
    path = folder / "narrow.pdf"
    write_ruled_pdf(path, ["Year", "Rank", "Complaint / Conduct Matter", "Result of Investigation"],
                    [list(c) for c in CASES], widths=[18, 20, 48, 34],
                    before=["Dear Requester", "Please find the information below."], after=["Yours sincerely"])
    return Layout(path, _expected(), "page 1, table 1, row 1")


def pdf_unruled_with_case_references(folder: Path) -> Layout:
    path = folder / "refs.pdf"
    refs = [f"PSD/{y}/{n:03d}" for n, (y, *_rest) in enumerate(CASES, start=1)]
    write_unruled_pdf(path, ["Case Ref", "Rank", "Breach", "Outcome"],
                      [[ref, *case[1:]] for ref, case in zip(refs, CASES, strict=True)],
                      before=["Dear Requester"], after=["Yours sincerely"])
    rows = [{"case_ref": ref, "rank": r, "breach": b, "outcome": o} for ref, (_y, r, b, o) in zip(refs, CASES,
                                                                                              strict=True)]
    return Layout(path, rows, "page 1, table 1, row 1")


BUILDERS = [
    csv_tab_delimited_with_quoted_newlines,
    csv_semicolon_cp1252_with_title_lines,
    xlsx_hidden_row_and_uncached_formula,
    xlsx_dates_as_serial_numbers,
    docx_two_row_merged_header,
    docx_letter_then_numbered_table,
    pdf_ruled_narrow_columns_wrapping_everywhere,
    pdf_unruled_with_case_references,
]
