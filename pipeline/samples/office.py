"""XLSX, DOCX and CSV returns, written so the same input always gives the same bytes.

openpyxl and python-docx stamp the time of saving into the document properties and into every zip
entry; both are pinned here (``freeze_zip``). Each table writer returns the locator of every data row:
``'Sheet'!A7:E7`` (real Excel coordinates), ``table 1, row 4`` (DOCX, data rows counted from 1 under the
header) and ``row 5`` (CSV, the header is row 1).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import docx
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from pipeline.office_zip import freeze_zip, save_workbook
from pipeline.samples.pdf import FIXED_TIME, Paragraph

Cell = str | int | dt.date
_AUTHOR = "Freedom of Information Unit"


# ---------------------------------------------------------------- XLSX

def _new_workbook() -> Workbook:
    workbook = Workbook()
    naive = FIXED_TIME.replace(tzinfo=None)
    workbook.properties.creator = _AUTHOR
    workbook.properties.lastModifiedBy = _AUTHOR
    workbook.properties.created = naive
    workbook.properties.modified = naive
    return workbook


def _fill_sheet(
    sheet,
    header: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    *,
    title: Sequence[str] = (),
    merged_header: tuple[str, int, int] | None = None,
    totals: bool = False,
    blank_row_after: int | None = None,
    date_format: str = "dd/mm/yyyy",
) -> list[str]:
    """Title block, header (one row, or two with a merged group heading), data rows; returns locators."""
    bold = Font(bold=True)
    r = 1
    for line in title:
        sheet.cell(row=r, column=1, value=line).font = bold if r == 1 else Font()
        r += 1
    if title:
        r += 1   # a blank line between the title block and the table
    last = get_column_letter(len(header))
    if merged_header:
        label, first, end = merged_header   # 1-based columns covered by the group heading
        for c, heading in enumerate(header, start=1):
            if first <= c <= end:
                sheet.cell(row=r + 1, column=c, value=heading).font = bold
            else:
                sheet.cell(row=r, column=c, value=heading).font = bold
                sheet.merge_cells(start_row=r, start_column=c, end_row=r + 1, end_column=c)
        sheet.cell(row=r, column=first, value=label).font = bold
        sheet.cell(row=r, column=first).alignment = Alignment(horizontal="center")
        sheet.merge_cells(start_row=r, start_column=first, end_row=r, end_column=end)
        r += 2
    else:
        for c, heading in enumerate(header, start=1):
            sheet.cell(row=r, column=c, value=heading).font = bold
        r += 1
    locators = []
    for n, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            cell = sheet.cell(row=r, column=c, value=value)
            if isinstance(value, dt.date):
                cell.number_format = date_format
        locators.append(f"'{sheet.title}'!A{r}:{last}{r}")
        r += 1
        if blank_row_after == n and n < len(rows):
            r += 1
    if totals:
        sheet.cell(row=r, column=1, value="Total").font = bold
        sheet.cell(row=r, column=2, value=len(rows)).font = bold
    for c, heading in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = max(12, min(60, len(heading) + 4))
    return locators


def write_xlsx_table(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    *,
    sheet: str = "Sheet1",
    title: Sequence[str] = (),
    merged_header: tuple[str, int, int] | None = None,
    totals: bool = False,
    blank_row_after: int | None = None,
    extra_sheets: Sequence[tuple[str, Sequence[Sequence[Cell | None]]]] = (),
) -> list[str]:
    """One sheet holding the table. ``merged_header`` = (label, first column, last column), 1-based.
    ``extra_sheets``: (title, rows) written as they are after it (a summary of the same cases)."""
    workbook = _new_workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    locators = _fill_sheet(worksheet, header, rows, title=title, merged_header=merged_header,
                           totals=totals, blank_row_after=blank_row_after)
    for name, values in extra_sheets:
        extra = workbook.create_sheet(name)
        for row in values:
            extra.append(list(row))
    save_workbook(workbook, path)
    return locators


def write_xlsx_sheets(
    path: Path,
    header: Sequence[str],
    sheets: dict[str, Sequence[Sequence[Cell]]],
    *,
    notes: Sequence[str] = (),
    notes_sheet: str = "Notes",
) -> dict[str, list[str]]:
    """One sheet per key (e.g. a year that appears only in the sheet name), plus a notes sheet first."""
    workbook = _new_workbook()
    first = workbook.active
    first.title = notes_sheet
    for r, line in enumerate(notes, start=1):
        first.cell(row=r, column=1, value=line)
    locators = {}
    for name, rows in sheets.items():
        locators[name] = _fill_sheet(workbook.create_sheet(name), header, rows)
    save_workbook(workbook, path)
    return locators


# ---------------------------------------------------------------- DOCX

def _new_document(paragraphs: Sequence[Paragraph]) -> docx.Document:
    document = docx.Document()
    core = document.core_properties
    naive = FIXED_TIME.replace(tzinfo=None)
    core.author = _AUTHOR
    core.last_modified_by = _AUTHOR
    core.created = naive
    core.modified = naive
    core.last_printed = naive
    core.revision = 1
    core.title = ""
    _add_paragraphs(document, paragraphs)
    return document


def _add_paragraphs(document, paragraphs: Sequence[Paragraph]) -> None:
    for paragraph in paragraphs:
        if isinstance(paragraph, str):
            document.add_paragraph(paragraph)
        else:
            document.add_paragraph("\n".join(paragraph))


def _save_document(document, path: Path) -> None:
    document.save(str(path))
    freeze_zip(path)


def write_docx_letter(path: Path, paragraphs: Sequence[Paragraph]) -> None:
    """A Word letter with no table."""
    _save_document(_new_document(paragraphs), path)


def write_docx_table(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    before: Sequence[Paragraph] = (),
    after: Sequence[Paragraph] = (),
) -> list[str]:
    """A Word letter with one gridded table between its paragraphs; returns row locators."""
    document = _new_document(before)
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, heading in zip(table.rows[0].cells, header):
        cell.text = ""
        cell.paragraphs[0].add_run(heading).bold = True
    for values in rows:
        for cell, value in zip(table.add_row().cells, values):
            cell.text = value
    _add_paragraphs(document, after)
    _save_document(document, path)
    return [f"table 1, row {n}" for n in range(1, len(rows) + 1)]


# ---------------------------------------------------------------- CSV

def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> list[str]:
    """A delimited export as a Windows machine writes it (CRLF); ``utf-8-sig`` adds the BOM."""
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    return [f"row {n}" for n in range(2, len(rows) + 2)]
