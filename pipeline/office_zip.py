"""Office files (XLSX, DOCX) with the same bytes for the same content, and XLSX rows written fast.

openpyxl and python-docx stamp the wall-clock time into every zip entry, and openpyxl's ``save()`` also
overwrites the workbook's modified time with now(). Published files and the sample corpus must be
byte-identical run to run, so both are pinned here.

A published sheet of 100,000 cases is ~2.4 million cells: openpyxl makes a cell object and an XML element of
each (seconds per 10,000 rows). ``sheet_rows_xml`` writes the same XML a write-only openpyxl sheet would, value
by distinct value: a plain text is escaped here, anything else (numbers, booleans, texts openpyxl treats
specially) is rendered once by openpyxl itself. ``save_workbook`` streams those rows into the sheet openpyxl
laid out (header, frozen panes), so the workbook's parts are still openpyxl's.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from lxml.etree import xmlfile
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell._writer import write_cell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

ZIP_TIME = (2014, 3, 10, 9, 0, 0)
_END_OF_ROWS = b"</sheetData>"
_VIEWS = b"<sheetViews>"
_MAX_TEXT = 32767                # openpyxl cuts a cell's text here; so do we
_ROWS_PER_CHUNK = 2000            # rows of XML built at once: 5,000 held ~25 MB more at 106,770 cases, 1,000 was slower
RENDERED_AT_ONCE = 4096         # a column with more distinct values is rendered chunk by chunk (< 2**15)


def _frozen_info(name: str, date_time: tuple[int, ...]) -> zipfile.ZipInfo:
    frozen = zipfile.ZipInfo(name, date_time=date_time)
    frozen.compress_type = zipfile.ZIP_DEFLATED
    frozen.external_attr = 0o600 << 16
    return frozen


def _copy_frozen(source: zipfile.ZipFile, path: Path, date_time: tuple[int, ...],
                 frames: Mapping[str, pd.DataFrame]) -> None:
    """Every entry of ``source`` into a new zip at ``path``, stamped at one time; by sheet part, a frame's rows
    streamed in after the rows the sheet holds (its header), and the sheet's extent said as openpyxl says it."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            frozen = _frozen_info(info.filename, date_time)
            if info.filename not in frames:
                target.writestr(frozen, content)
                continue
            frame = frames[info.filename]
            head, tail = content.split(_END_OF_ROWS, 1)
            extent = f'<dimension ref="A1:{get_column_letter(max(frame.shape[1], 1))}{len(frame) + 1}"/>'
            head = head.replace(_VIEWS, extent.encode("ascii") + _VIEWS, 1)
            with target.open(frozen, "w") as entry:
                entry.write(head)
                for chunk in sheet_rows_xml(frame):
                    entry.write(chunk)
                entry.write(_END_OF_ROWS + tail)


def freeze_zip(path: Path, date_time: tuple[int, ...] = ZIP_TIME) -> None:
    """Rewrite a zip with every entry stamped at one fixed time, in the same order."""
    content = Path(path).read_bytes()
    with zipfile.ZipFile(io.BytesIO(content)) as source:
        _copy_frozen(source, Path(path), date_time, {})


def save_workbook(workbook: Workbook, path: Path, frames: Mapping[str, pd.DataFrame] | None = None) -> None:
    """Save keeping the workbook's own created/modified times (``save()`` would put now()).

    ``frames``: by sheet title, a table whose rows go under the one row (the header) that sheet of a write-only
    workbook holds. The file is the one a normal openpyxl workbook holding every row would give."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()
    by_part = {sheet.path[1:]: frame for sheet in workbook.worksheets
               for title, frame in (frames or {}).items() if sheet.title == title}
    with zipfile.ZipFile(buffer) as source:
        _copy_frozen(source, Path(path), ZIP_TIME, by_part)


@cache
def _scratch_sheet():
    return Workbook(write_only=True).create_sheet()


def _openpyxl_cell_tail(value: object, column: int) -> str:
    """What openpyxl writes for a value after ``<c r="A1``: its own rules (formula, error code, number)."""
    sheet = _scratch_sheet()
    cell = WriteOnlyCell(sheet, value=value)
    cell.row, cell.column = 1, column
    buffer = io.BytesIO()
    with xmlfile(buffer) as xf:
        write_cell(xf, sheet, cell, cell.has_style)
    markup = buffer.getvalue().decode("utf-8")
    prefix = f'<c r="{get_column_letter(column)}1'
    assert markup.startswith(prefix), markup
    return markup[len(prefix):]


def _escape(text: str) -> str:
    """What lxml writes for an element's text in openpyxl's sheets (ASCII, the rest as character references)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    return text if text.isascii() else text.encode("ascii", "xmlcharrefreplace").decode("ascii")


def _cell_tail(value: object, column: int) -> str | None:
    """The XML of one value after ``<c r="A1``, or None for an empty cell (None, NaN, NA: no cell)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if type(value) is str and ILLEGAL_CHARACTERS_RE.search(value):
        # XML 1.0 cannot hold control characters (openpyxl raises IllegalCharacterError): the workbook shows
        # U+FFFD in their place; the CSV and Parquet keep the text as the force wrote it.
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if (type(value) is not str or ILLEGAL_CHARACTERS_RE.search(value) or value in ERROR_CODES
            or (len(value) > 1 and value.startswith("="))):
        return _openpyxl_cell_tail(value, column)
    text = value[:_MAX_TEXT]
    if text == "":
        return '" t="inlineStr"></c>'
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'" t="inlineStr"><is><t{space}>{_escape(text)}</t></is></c>'


class _ColumnCells:
    """One column's cells as XML. A column of few distinct values (codes, file names) has each rendered once,
    and a small code per row; one of many (record ids, locators, texts) is rendered a chunk of rows at a time.
    Rendered all at once with a 64-bit code per cell, a 106,770-case table's sheet held ~54 MB more at the
    staging child's peak (bench/README.md, 2026-12-07)."""

    def __init__(self, values: pd.Series, column: int) -> None:
        self.values, self.column = values, column
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        self.tails = self.codes = None
        if len(uniques) <= RENDERED_AT_ONCE:
            self.tails = _rendered(uniques, column)
            self.codes = np.where(codes < 0, len(uniques), codes).astype(np.int16)

    def chunk(self, start: int, stop: int) -> np.ndarray:
        """Per row of ``start:stop``, its cell's XML after ``<c r="A1``, or None (no cell)."""
        if self.tails is not None:
            return self.tails[self.codes[start:stop]]
        codes, uniques = pd.factorize(self.values.iloc[start:stop], use_na_sentinel=True)
        return _rendered(uniques, self.column)[np.where(codes < 0, len(uniques), codes)]


def _rendered(uniques, column: int) -> np.ndarray:
    """The XML of each distinct value, and a last entry None: no cell."""
    tails = [_cell_tail(value, column) for value in uniques.tolist()]   # Python scalars, as openpyxl got them
    return np.array([*tails, None], dtype=object)


def sheet_rows_xml(frame: pd.DataFrame, first_row: int = 2) -> Iterator[bytes]:
    """The ``<row>`` elements of a frame's values, as a write-only openpyxl sheet would write them, in chunks."""
    columns = [_ColumnCells(frame.iloc[:, i], i + 1) for i in range(frame.shape[1])]
    heads = [f'<c r="{get_column_letter(i + 1)}' for i in range(frame.shape[1])]
    for start in range(0, len(frame), _ROWS_PER_CHUNK):
        stop = min(start + _ROWS_PER_CHUNK, len(frame))
        numbers = np.arange(first_row + start, first_row + stop).astype(str).astype(object)
        rows = '<row r="' + numbers + '">'
        for head, cells_of in zip(heads, columns):
            chunk = cells_of.chunk(start, stop)
            present = chunk != None  # noqa: E711 - elementwise over an object array
            cells = np.full(stop - start, "", dtype=object)
            cells[present] = head + numbers[present] + chunk[present]
            rows = rows + cells
        yield "".join((rows + "</row>").tolist()).encode("utf-8")
