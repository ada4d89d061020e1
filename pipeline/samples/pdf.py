"""PDF returns: letters, ruled tables (fpdf2 ``pdf.table()``) and unruled, text-aligned tables.

Every writer fixes the creation date so the same input gives the same bytes, and returns the locator
of each data row (``page 2, table 1, row 4``) so the ground truth can say where each case lies.
Text uses the PDF core fonts, so it must be Latin-1 (no typographic quotes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pdfplumber
from fpdf import FPDF, FontFace

FIXED_TIME = dt.datetime(2014, 3, 10, 9, 0, 0, tzinfo=dt.UTC)
Paragraph = str | Sequence[str]   # a paragraph, or a block of short lines (an address)

_TEXT_SIZE = 10
_TABLE_SIZE = 8
_LINE = 4.2          # line height inside table cells, mm
_ROW_GAP = 2.0       # extra space between unruled rows, so rows are told apart from wrapped lines


class SampleCorpusError(ValueError):
    """The generator produced a file that does not read back as promised (a bug in the generator)."""


class LetterPDF(FPDF):
    """A4 letter: a letterhead on the first page and a "Page 1 of 3" footer on every page."""

    def __init__(self, letterhead: str = "", page_footer: bool = True):
        super().__init__(format="A4")
        self.letterhead = letterhead
        self.page_footer = page_footer
        self.set_creation_date(FIXED_TIME)
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=18)
        self.add_page()

    def header(self) -> None:
        if self.letterhead and self.page_no() == 1:
            self.set_font("Helvetica", "B", 14)
            self.cell(0, 8, self.letterhead, new_x="LMARGIN", new_y="NEXT")
            self.ln(4)

    def footer(self) -> None:
        if self.page_footer:
            self.set_y(-12)
            self.set_font("Helvetica", "", 8)
            self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="C")


def _paragraphs(pdf: FPDF, paragraphs: Sequence[Paragraph]) -> None:
    pdf.set_font("Helvetica", "", _TEXT_SIZE)
    for paragraph in paragraphs:
        if isinstance(paragraph, str):
            pdf.multi_cell(0, 5, paragraph, new_x="LMARGIN", new_y="NEXT")
        else:
            for line in paragraph:
                pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2.5)


def _widths(pdf: FPDF, header: Sequence[str], widths: Sequence[float] | None) -> list[float]:
    raw = list(widths) if widths else [1.0] * len(header)
    scale = pdf.epw / sum(raw)
    return [w * scale for w in raw]


def _check_words_fit(pdf: FPDF, header: Sequence[str], rows: Sequence[Sequence[str]], widths: list[float]) -> None:
    """A word wider than its column would be split mid-word, and its text would no longer read back."""
    for bold, cells in [(True, header), *((False, r) for r in rows)]:
        pdf.set_font("Helvetica", "B" if bold else "", _TABLE_SIZE)
        for width, text in zip(widths, cells):
            for word in str(text).split():
                if pdf.get_string_width(word) > width - 3:
                    raise SampleCorpusError(
                        f"'{word}' is wider than its {width:.0f} mm column; widen the column"
                    )


def write_letter_pdf(path: Path, paragraphs: Sequence[Paragraph], *, letterhead: str = "") -> None:
    """A letter with no table (a refusal, a nil return, a covering letter)."""
    pdf = LetterPDF(letterhead)
    _paragraphs(pdf, paragraphs)
    pdf.output(str(path))


def write_ruled_pdf(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    before: Sequence[Paragraph] = (),
    after: Sequence[Paragraph] = (),
    letterhead: str = "",
    widths: Sequence[float] | None = None,
    repeat_header: bool = True,
    page_footer: bool = True,
) -> list[str]:
    """A table with full grid lines (fpdf2 ``pdf.table``), letter text around it; returns row locators."""
    pdf = LetterPDF(letterhead, page_footer)
    col_widths = _widths(pdf, header, widths)
    _check_words_fit(pdf, header, rows, col_widths)
    _paragraphs(pdf, before)
    pdf.set_font("Helvetica", "", _TABLE_SIZE)
    with pdf.table(
        col_widths=col_widths,
        width=pdf.epw,
        line_height=_LINE,
        text_align="LEFT",
        repeat_headings=1 if repeat_header else 0,
        headings_style=FontFace(emphasis="BOLD", fill_color=(225, 225, 225)),
        padding=1,
    ) as table:
        for cells in (header, *rows):
            table.row(list(cells))
    pdf.ln(4)
    _paragraphs(pdf, after)
    pdf.output(str(path))
    return _ruled_row_locators(path, header, rows)


def _ruled_row_locators(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Find the page of each data row by reading the PDF back; any difference from the input is a bug."""
    header_cells = [" ".join(h.split()) for h in header]
    found: list[tuple[int, list[str]]] = []
    with pdfplumber.open(path) as document:
        for page in document.pages:
            for table in page.find_tables():
                for row in table.extract():
                    cells = [" ".join((cell or "").split("\n")) for cell in row]
                    if cells != header_cells:
                        found.append((page.page_number, cells))
    expected = [list(r) for r in rows]
    if [cells for _, cells in found] != expected:
        raise SampleCorpusError(f"{path.name}: the ruled table does not read back as written")
    return [f"page {page}, table 1, row {n}" for n, (page, _) in enumerate(found, start=1)]


def write_unruled_pdf(
    path: Path,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    before: Sequence[Paragraph] = (),
    after: Sequence[Paragraph] = (),
    letterhead: str = "",
    widths: Sequence[float] | None = None,
    repeat_header: bool = True,
    page_footer: bool = True,
) -> list[str]:
    """A table with no lines at all: each column starts at the same x on every page; returns row locators."""
    pdf = LetterPDF(letterhead, page_footer)
    col_widths = _widths(pdf, header, widths)
    _check_words_fit(pdf, header, rows, col_widths)
    _paragraphs(pdf, before)
    xs = [pdf.l_margin + sum(col_widths[:i]) for i in range(len(col_widths))]

    def lines_of(cells: Sequence[str]) -> list[list[str]]:
        return [pdf.multi_cell(w - 3, _LINE, text, dry_run=True, output="LINES")
                for w, text in zip(col_widths, cells)]

    def draw(cells: Sequence[str], bold: bool) -> None:
        pdf.set_font("Helvetica", "B" if bold else "", _TABLE_SIZE)
        wrapped = lines_of(cells)
        top = pdf.y
        for x, cell_lines in zip(xs, wrapped):
            for k, line in enumerate(cell_lines):
                pdf.set_xy(x, top + k * _LINE)
                pdf.cell(0, _LINE, line)
        pdf.set_xy(pdf.l_margin, top + max(len(c) for c in wrapped) * _LINE + _ROW_GAP)

    def height(cells: Sequence[str], bold: bool) -> float:
        pdf.set_font("Helvetica", "B" if bold else "", _TABLE_SIZE)
        return max(len(c) for c in lines_of(cells)) * _LINE + _ROW_GAP

    header_height = height(header, True)
    if pdf.y + header_height + height(rows[0], False) > pdf.page_break_trigger:
        pdf.add_page()
    draw(header, True)
    locators = []
    for n, cells in enumerate(rows, start=1):
        if pdf.y + height(cells, False) > pdf.page_break_trigger:
            pdf.add_page()
            if repeat_header:
                draw(header, True)
        locators.append(f"page {pdf.page_no()}, table 1, row {n}")
        draw(cells, False)
    pdf.ln(4)
    _paragraphs(pdf, after)
    pdf.output(str(path))
    return locators
