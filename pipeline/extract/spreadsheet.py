"""XLSX/XLSM with openpyxl (normal mode: merged cells need it), legacy XLS with xlrd.

Each sheet is a grid; a sheet named for a year ("2013") gives that year to its rows. Merged cells are
forward-filled from their top-left cell on purpose. Formulas are read as Excel last calculated them.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
import zipfile
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from pipeline.extract.grid import Grid, rows_from_grid
from pipeline.extract.letter import classify_text
from pipeline.records import FileExtraction, Finding

_YEAR_SHEET = re.compile(r"^\s*(?:year\s*)?((?:19|20)\d\d)(?:\s*[-/]\s*\d{2,4})?\s*$", re.IGNORECASE)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _sheet_grid(ws, formulas) -> tuple[Grid, list[tuple[int, int]]]:
    rows = [[_cell_text(c) for c in row] for row in ws.iter_rows(values_only=True)]
    missing_cache = []
    if formulas is not None:
        for r, row in enumerate(formulas.iter_rows(values_only=True)):
            for c, value in enumerate(row):
                if isinstance(value, str) and value.startswith("=") and not rows[r][c]:
                    missing_cache.append((r, c))
    for merged in ws.merged_cells.ranges:
        top = rows[merged.min_row - 1][merged.min_col - 1]
        for r in range(merged.min_row - 1, merged.max_row):
            for c in range(merged.min_col - 1, merged.max_col):
                if r < len(rows) and c < len(rows[r]) and not rows[r][c]:
                    rows[r][c] = top
    name = _quote(ws.title)
    width = max((len(r) for r in rows), default=1)
    context = {}
    year = _YEAR_SHEET.match(ws.title)
    if year:
        context["year"] = year.group(1)
    grid = Grid(
        rows=rows,
        row_locator=lambda r: f"{name}!A{r + 1}:{get_column_letter(width)}{r + 1}",
        cell_locator=lambda r, c: f"{name}!{get_column_letter(c + 1)}{r + 1}",
        where=f"sheet {name}",
        sheet=ws.title,
        context=context,
    )
    return grid, missing_cache


_SERIAL = re.compile(r"^\d{5}(\.\d+)?$")


def _serial_dates(rows, source_file: str, force_id: str) -> list[Finding]:
    """A date column holding Excel serial numbers (41275 for 1 January 2013, stored as a number with no
    date format) is read as the date Excel would show; each converted cell is listed."""
    findings = []
    for row in rows:
        text = row.cells.get("date", "")
        if _SERIAL.match(text) and 20000 <= float(text) <= 60000:
            day = (dt.datetime(1899, 12, 30) + dt.timedelta(days=float(text))).date().isoformat()
            row.cells["date"] = day
            findings.append(Finding("info", "excel_serial_date", f"{source_file}: {row.cell_locators['date']} "
                                    f"held the Excel date number {text}; read as {day}.", force_id, source_file,
                                    row.cell_locators["date"], text))
    return findings


def _read_sheets(extraction: FileExtraction, sheets, hints: dict) -> None:
    """``sheets`` yields (title, visible, grid, formula cells without a value, hidden row numbers)."""
    force_id, source_file, sha256 = extraction.force_id, extraction.source_file, extraction.source_sha256
    texts = []
    for title, visible, grid, missing, hidden in sheets:
        hidden_rows, hidden_columns = hidden if isinstance(hidden, tuple) else (hidden, [])
        if not visible:
            extraction.findings.append(Finding("info", "hidden_sheet_skipped",
                                               f"{source_file}: hidden sheet '{title}' was not read.",
                                               force_id, source_file, f"sheet {_quote(title)}"))
            continue
        for r, c in missing:
            extraction.findings.append(Finding("warning", "formula_without_value",
                                               f"{source_file}: {grid.cell_locator(r, c)} holds a formula with no "
                                               f"saved value (the file was never opened in Excel); it was read as "
                                               f"empty. Ask for the file saved from Excel or fill the value in.",
                                               force_id, source_file, grid.cell_locator(r, c)))
        rows, table, findings = rows_from_grid(grid, force_id=force_id, source_file=source_file, sha256=sha256,
                                               hints=hints)
        extraction.findings += findings
        if table is not None:
            if hidden_rows:
                extraction.findings.append(Finding("info", "hidden_rows_used",
                                                   f"{source_file}: sheet '{title}' has hidden rows "
                                                   f"{hidden_rows[:10]}; they were read like the others.",
                                                   force_id, source_file, grid.where))
            if hidden_columns:
                extraction.findings.append(Finding("info", "hidden_columns_used",
                                                   f"{source_file}: sheet '{title}' has hidden columns "
                                                   f"{', '.join(hidden_columns)}; they were read like the others.",
                                                   force_id, source_file, grid.where))
            extraction.findings += _serial_dates(rows, source_file, force_id)
            extraction.rows += rows
            extraction.tables.append(table)
        else:
            texts.append(" ".join(" ".join(c for c in row if c) for row in grid.rows))
    if extraction.rows:
        extraction.kind = "table"
    else:
        letter = classify_text("\n".join(texts))
        extraction.kind, extraction.refusal_basis, extraction.evidence = letter.kind, letter.sections, letter.evidence


def extract_spreadsheet(path: Path, force_id: str, source_file: str, sha256: str, hints: dict) -> FileExtraction:
    extraction = FileExtraction(force_id, source_file, sha256, path.suffix.lstrip(".").lower() or "xlsx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        workbook = load_workbook(path, data_only=True)
        # the formulas only tell which empty cells are formulas Excel never calculated; most returns have none
        formulas = load_workbook(path, data_only=False) if _has_formulas(path) else None
    wanted = hints.get("sheets")

    def sheets():
        for ws in workbook.worksheets:
            if wanted and ws.title not in wanted:
                continue
            if ws.sheet_state != "visible":
                yield ws.title, False, None, [], []
                continue
            grid, missing = _sheet_grid(ws, formulas[ws.title] if formulas is not None else None)
            hidden_rows = sorted(i for i, d in ws.row_dimensions.items() if d.hidden)
            hidden_columns = sorted((k for k, d in ws.column_dimensions.items() if d.hidden), key=lambda k: (len(k), k))
            yield ws.title, True, grid, missing, (hidden_rows, hidden_columns)

    try:
        _read_sheets(extraction, sheets(), hints)
    finally:
        workbook.close()
        if formulas is not None:
            formulas.close()
    return extraction


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _has_formulas(path: Path) -> bool:
    """Whether any worksheet holds a formula (an ``<f>`` element), read from the package without parsing it:
    loading the workbook a second time to look for formulas doubled the cost of every spreadsheet."""
    try:
        with zipfile.ZipFile(path) as package:
            return any(_FORMULA_TAG.search(package.read(name)) for name in package.namelist()
                       if name.lower().startswith("xl/worksheets/") and name.lower().endswith(".xml"))
    except (zipfile.BadZipFile, KeyError, OSError):
        return True    # let openpyxl read it and say what is wrong


def _xls_grid(book, sheet) -> Grid:
    import xlrd

    rows = []
    for r in range(sheet.nrows):
        cells = []
        for c in range(sheet.ncols):
            cell = sheet.cell(r, c)
            value = cell.value
            if cell.ctype == xlrd.XL_CELL_DATE:
                value = xlrd.xldate.xldate_as_datetime(value, book.datemode)
            elif cell.ctype in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                value = None
            elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                value = bool(value)
            cells.append(_cell_text(value))
        rows.append(cells)
    for r0, r1, c0, c1 in getattr(sheet, "merged_cells", []):
        top = rows[r0][c0]
        for r in range(r0, r1):
            for c in range(c0, c1):
                if not rows[r][c]:
                    rows[r][c] = top
    name = _quote(sheet.name)
    width = max(sheet.ncols, 1)
    year = _YEAR_SHEET.match(sheet.name)
    return Grid(rows=rows,
                row_locator=lambda r: f"{name}!A{r + 1}:{get_column_letter(width)}{r + 1}",
                cell_locator=lambda r, c: f"{name}!{get_column_letter(c + 1)}{r + 1}",
                where=f"sheet {name}", sheet=sheet.name,
                context={"year": year.group(1)} if year else {})


def extract_xls(path: Path, force_id: str, source_file: str, sha256: str, hints: dict) -> FileExtraction:
    """Excel 97-2003 (.xls) with xlrd 2: values as Excel saved them (formulas are cached values), dates
    converted with the workbook's date mode, merged ranges forward-filled."""
    import xlrd

    extraction = FileExtraction(force_id, source_file, sha256, "xls")
    book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
    wanted = hints.get("sheets")

    def sheets():
        for index, sheet_name in enumerate(book.sheet_names()):
            if wanted and sheet_name not in wanted:
                continue
            sheet = book.sheet_by_index(index)
            if sheet.visibility:
                yield sheet_name, False, None, [], []
                continue
            hidden_rows = sorted(r + 1 for r, info in sheet.rowinfo_map.items() if info.hidden)
            yield sheet_name, True, _xls_grid(book, sheet), [], hidden_rows

    try:
        _read_sheets(extraction, sheets(), hints)
    finally:
        book.release_resources()
    return extraction
