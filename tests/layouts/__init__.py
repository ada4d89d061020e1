"""Test layouts built by code: each builder writes one return file into a folder and gives back what a
correct extraction holds (the verbatim cells of every case row, by role, with its locator).

These are shapes the sample corpus does not have: unruled PDF tables flowing onto a page without their
header, ruled tables with a repeated header and a totals row, two tables on one page, two-row merged
spreadsheet headers, sheet-per-year workbooks with notes and hidden parts, date cells and formulas,
cp1252/semicolon and BOM/tab CSVs with quoted newlines, Word tables with merged and multi-paragraph cells,
and letters of every kind.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import docx
from fpdf import FPDF
from openpyxl import Workbook

FONT = "Helvetica"


@dataclass
class Layout:
    path: Path
    rows: list[dict] = field(default_factory=list)      # {"locator": ..., role: verbatim text, ...}
    kind: str = "table"
    refusal_basis: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)   # finding codes that must be present


CASES = [
    ("2010", "Police Constable", "Posted a photograph of a prisoner on Facebook", "Final written warning"),
    ("2011", "PCSO", "Inappropriate comments about a colleague on Twitter, later deleted after a complaint "
                     "from a member of the public", "Management advice"),
    ("2012", "Sergeant", "Befriended a witness on Facebook", "Dismissed without notice"),
    ("2012", "Police Staff", "Disclosed details of an investigation in a WhatsApp group", "No case to answer"),
    ("2013", "Detective Constable", "Shared a video of a custody suite on Instagram", "Written warning"),
    ("2013", "Inspector", "Offensive remarks on a personal blog about a minority group", "Resigned"),
]
ROLES = ("year", "rank", "breach", "outcome")
HEADER = ("Year", "Rank", "Nature of allegation", "Outcome")


def _pdf() -> FPDF:
    pdf = FPDF(format="A4", unit="pt")
    pdf.set_auto_page_break(False)
    pdf.set_font(FONT, size=10)
    return pdf


def _letter_lines(pdf: FPDF, paragraphs: list[str], width: float = 500) -> None:
    for paragraph in paragraphs:
        pdf.set_x(45)
        pdf.multi_cell(width, 13, paragraph)
        pdf.ln(8)


def _table_pdf(path: Path, cases, *, ruled: bool, rows_per_page: int, repeat_header: bool,
               total_row: bool = False, footer: bool = True, second_table: bool = False,
               furniture: Callable[[FPDF, int, int], None] | None = None) -> None:
    """A table drawn row by row; long cells wrap inside their column (multi_cell). ``furniture(pdf, page,
    pages)`` draws a page's running heads and feet."""
    widths = (50, 100, 230, 120)
    pdf = _pdf()
    pages = [cases[i:i + rows_per_page] for i in range(0, len(cases), rows_per_page)]
    for number, chunk in enumerate(pages, start=1):
        pdf.add_page()
        if furniture is not None:
            furniture(pdf, number, len(pages))
        pdf.set_xy(45, 40 if furniture is None else 90)
        if number == 1:
            _letter_lines(pdf, ["Freedom of Information Request Reference No: 2014/0123",
                                "Please find the information you requested below."])
        rows = ([HEADER] if number == 1 or repeat_header else []) + [tuple(c) for c in chunk]
        if total_row and number == len(pages):
            rows.append(("Total", "", str(len(cases)), ""))
        for row in rows:
            lines = [pdf.multi_cell(w, 12, text, dry_run=True, output="LINES") for w, text in zip(widths, row)]
            height = 12 * max(len(line) for line in lines) + 4
            y, x = pdf.get_y(), 45
            for w, text in zip(widths, row):
                pdf.set_xy(x, y)
                if ruled:
                    pdf.rect(x, y, w, height)
                pdf.set_xy(x + 2, y + 2)
                pdf.multi_cell(w - 4, 12, text, border=0)
                x += w
            pdf.set_xy(45, y + height + (0 if ruled else 6))
        if second_table and number == len(pages):
            pdf.ln(20)
            pdf.set_x(45)
            pdf.cell(200, 14, "Complaints received by year")
            pdf.ln(18)
            for row in (("Year", "Complaints received"), ("2012", "14"), ("2013", "9")):
                pdf.set_x(45)
                for w, text in zip((100, 150), row):
                    pdf.cell(w, 16, text, border=1)
                pdf.ln(16)
        if footer:
            pdf.set_xy(250, 800)
            pdf.cell(100, 12, f"Page {number} of {len(pages)}")
    pdf.output(str(path))


def _expected_pdf(cases, rows_per_page: int) -> list[dict]:
    expected = []
    for index, case in enumerate(cases):
        page = index // rows_per_page + 1
        expected.append({"locator": f"page {page}, table 1, row {index + 1}", **dict(zip(ROLES, case))})
    return expected


def pdf_unruled_flowing(folder: Path) -> Layout:
    """Unruled table, 4 rows then 2 more on page 2 with no header; wrapped cells; 'Page 1 of 2' footers."""
    path = folder / "unruled-flowing.pdf"
    _table_pdf(path, CASES, ruled=False, rows_per_page=4, repeat_header=False)
    return Layout(path, _expected_pdf(CASES, 4))


def pdf_ruled_repeated_header_total(folder: Path) -> Layout:
    """Ruled table over three pages, header repeated on each, a totals row at the end."""
    path = folder / "ruled-repeated.pdf"
    _table_pdf(path, CASES, ruled=True, rows_per_page=2, repeat_header=True, total_row=True)
    return Layout(path, _expected_pdf(CASES, 2), findings=["totals_row_skipped"])


def pdf_two_tables(folder: Path) -> Layout:
    """A ruled case table and, under it, a small table of counts: its cells are read as counts, never cases."""
    path = folder / "two-tables.pdf"
    _table_pdf(path, CASES[:3], ruled=True, rows_per_page=3, repeat_header=False, second_table=True)
    counts = [{"locator": f"page 1, table 2, row {r}, column 2", "year": year, "count": count,
               "context.grain": "count", "context.column_label": "Complaints received"}
              for r, (year, count) in enumerate([("2012", "14"), ("2013", "9")], start=1)]
    return Layout(path, _expected_pdf(CASES[:3], 3) + counts, findings=["count_table"])


def _running_heads_and_feet(pdf: FPDF, number: int, pages: int) -> None:
    """What forces print on every page: a protective marking, the force's name and the reference at the top,
    a page number in one of several styles and the marking again at the foot."""
    marking = "OFFICIAL-SENSITIVE" if number == pages else "OFFICIAL"
    for x, y, text in ((270, 14, marking), (45, 34, "West Loamshire Police"), (400, 34, "Our ref: FOI 123/14"),
                       (45, 48, "West Loamshire Police"),
                       (280, 790, {1: "- 1 -", 2: f"2 of {pages}"}.get(number, f"Page {number}")),
                       (270, 808, marking)):
        pdf.set_xy(x, y)
        pdf.cell(150, 12, text)


def pdf_page_furniture(folder: Path) -> Layout:
    """Unruled table over three pages under running heads and feet that are not rows: 'OFFICIAL' and
    'OFFICIAL-SENSITIVE' markings, the force's name (twice: beside the reference and on a line of its own),
    'Our ref: FOI 123/14', and page numbers '- 1 -', '2 of 3', 'Page 3'."""
    path = folder / "page-furniture.pdf"
    _table_pdf(path, CASES, ruled=False, rows_per_page=2, repeat_header=False, footer=False,
               furniture=_running_heads_and_feet)
    return Layout(path, _expected_pdf(CASES, 2))


def _letter_pdf(path: Path, paragraphs: list[str]) -> None:
    pdf = _pdf()
    pdf.add_page()
    pdf.set_xy(45, 40)
    _letter_lines(pdf, paragraphs)
    pdf.output(str(path))


LETTER_OPENING = ("Your request for information has now been considered. You asked for the number of officers "
                  "and staff investigated for misconduct involving social media between 1 January 2009 and "
                  "17 February 2014.")


def pdf_refusal_s12(folder: Path) -> Layout:
    path = folder / "refusal-s12.pdf"
    sentence = ("The cost of locating, retrieving and extracting this information would exceed the appropriate "
                "limit, and this letter serves as a refusal notice under Section 12(1) of the Act.")
    _letter_pdf(path, [LETTER_OPENING, sentence,
                       "Section 17 of the Act requires us to explain this decision."])
    return Layout(path, kind="refused", refusal_basis=["s12"])


def pdf_refusal_s40_ncnd(folder: Path) -> Layout:
    path = folder / "refusal-s40-ncnd.pdf"
    _letter_pdf(path, [LETTER_OPENING,
                       "The force can neither confirm nor deny that it holds the information you requested, as "
                       "the duty in Section 1(1)(a) does not apply by virtue of Section 40(5) and Section 31(3).",
                       "This letter acts as a refusal notice."])
    return Layout(path, kind="refused", refusal_basis=["s31", "s40", "ncnd"])


def pdf_nil_return(folder: Path) -> Layout:
    path = folder / "nil.pdf"
    _letter_pdf(path, [LETTER_OPENING,
                       "No officers or members of police staff have been investigated for misconduct relating to "
                       "social media in the period you asked about."])
    return Layout(path, kind="nil_return")


def pdf_scan(folder: Path) -> Layout:
    """A page that is only an image: a scan with no text layer."""
    from PIL import Image, ImageDraw

    image_path = folder / "scan.png"
    image = Image.new("L", (600, 800), 255)
    draw = ImageDraw.Draw(image)
    for y in range(100, 700, 30):
        draw.line((60, y, 540, y), fill=0, width=2)
    image.save(image_path)
    path = folder / "scan.pdf"
    pdf = _pdf()
    pdf.add_page()
    pdf.image(str(image_path), x=0, y=0, w=595)
    pdf.output(str(path))
    image_path.unlink()
    return Layout(path, kind="needs_ocr", findings=["needs_ocr"])


def _rotate_pages(path: Path, degrees: int) -> None:
    """Give every page a /Rotate, as a printer driver does to a wide table: the text stays upright in its
    own frame and pdfplumber reads it turned (fpdf2 cannot write /Rotate; pdfminer re-reads the xref)."""
    data = re.sub(rb"/Type /Page(?!s)", b"/Type /Page /Rotate %d" % degrees, path.read_bytes())
    path.write_bytes(data)


def pdf_rotated_90(folder: Path) -> Layout:
    """A ruled table over two pages, both pages rotated 90 degrees, header repeated."""
    path = folder / "rotated-90.pdf"
    _table_pdf(path, CASES, ruled=True, rows_per_page=3, repeat_header=True)
    _rotate_pages(path, 90)
    return Layout(path, _expected_pdf(CASES, 3), findings=["rotated_page"])


def pdf_rotated_270(folder: Path) -> Layout:
    """A ruled table on one page rotated 270 degrees."""
    path = folder / "rotated-270.pdf"
    _table_pdf(path, CASES[:4], ruled=True, rows_per_page=4, repeat_header=False)
    _rotate_pages(path, 270)
    return Layout(path, _expected_pdf(CASES[:4], 4), findings=["rotated_page"])


# --- spreadsheets -----------------------------------------------------------------------------------------

def xlsx_two_row_merged_header(folder: Path) -> Layout:
    """Title rows; 'Officer/Staff details' merged over 'Role' and 'Rank'; the year merged down its rows."""
    path = folder / "merged-header.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Misconduct"
    ws["A1"] = "Social media misconduct 2009-2014"
    ws["A2"] = "FOI 2014/0456"
    ws.append([])
    ws.append(["Year", "Officer/Staff details", None, "Allegation", "Outcome"])
    ws.append([None, "Role", "Rank", None, None])
    ws.merge_cells("B4:C4")
    ws.merge_cells("A4:A5")
    ws.merge_cells("D4:D5")
    ws.merge_cells("E4:E5")
    data = [("2011", "Officer", "PC", "Posted a photograph of a prisoner on Facebook", "Final written warning"),
            (None, "Staff", "Grade 5", "Comments about a colleague on Twitter", "Management advice"),
            ("2012", "Officer", "Sergeant", "Befriended a witness on Facebook", "Dismissed")]
    for row in data:
        ws.append(list(row))
    ws.merge_cells("A6:A7")
    wb.save(path)
    expected = []
    years = ["2011", "2011", "2012"]
    for i, (row, year) in enumerate(zip(data, years)):
        r = 6 + i
        expected.append({"locator": f"'Misconduct'!A{r}:E{r}", "year": year, "person_type": row[1],
                         "rank": row[2], "breach": row[3], "outcome": row[4]})
    return Layout(path, expected)


def xlsx_sheet_per_year(folder: Path) -> Layout:
    """One sheet per year (the year is not a column), a Notes sheet, a hidden row and a hidden sheet."""
    path = folder / "by-year.xlsx"
    wb = Workbook()
    notes = wb.active
    notes.title = "Notes"
    notes["A1"] = "Notes: the figures below are taken from the Professional Standards database."
    expected = []
    for year, cases in (("2012", CASES[2:4]), ("2013", CASES[4:6])):
        ws = wb.create_sheet(year)
        ws.append(["Rank", "Details of allegation", "Result"])
        for _, rank, breach, outcome in cases:
            ws.append([rank, breach, outcome])
        for i, (_, rank, breach, outcome) in enumerate(cases):
            expected.append({"locator": f"'{year}'!A{i + 2}:C{i + 2}", "rank": rank, "breach": breach,
                             "outcome": outcome, "context.year": year})
    wb["2013"].row_dimensions[3].hidden = True
    hidden = wb.create_sheet("Working")
    hidden.append(["Rank", "Details of allegation", "Result"])
    hidden.append(["PC", "Draft row that is not part of the answer", "Draft"])
    hidden.sheet_state = "hidden"
    wb.save(path)
    return Layout(path, expected, findings=["hidden_rows_used", "hidden_sheet_skipped"])


def xlsx_dates_and_formulas(folder: Path) -> Layout:
    """Dates stored as dates and one as a bare Excel serial; a hidden column; a totals row whose sum is a
    formula never calculated (no cached value)."""
    path = folder / "dates.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Date recorded", "Rank", "Description", "Outcome", "Number of officers"])
    dates = [dt.date(2012, 3, 5), dt.datetime(2013, 11, 30)]
    for day, (_, rank, breach, outcome) in zip(dates, CASES[:2]):
        ws.append([day, rank, breach, outcome, 1])
    ws.append([41275, CASES[2][1], CASES[2][2], CASES[2][3], 1])       # 1 January 2013, General format
    ws.append(["Total", None, None, None, "=SUM(E2:E4)"])
    for cell in ws["A"][1:3]:
        cell.number_format = "DD/MM/YYYY"
    ws.column_dimensions["E"].hidden = True
    wb.save(path)
    expected = [{"locator": f"'Data'!A{r}:E{r}", "date": d, "rank": c[1], "breach": c[2], "outcome": c[3]}
                for r, d, c in ((2, "2012-03-05", CASES[0]), (3, "2013-11-30", CASES[1]),
                                (4, "2013-01-01", CASES[2]))]
    return Layout(path, expected, findings=["totals_row_skipped", "formula_without_value", "excel_serial_date",
                                            "hidden_columns_used"])


# --- CSV -------------------------------------------------------------------------------------------------

def _csv_text(delimiter: str, rows) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def csv_cp1252_semicolon(folder: Path) -> Layout:
    """Windows-1252, semicolons, a title line, a cell with a quoted line break and a £ and an en dash."""
    path = folder / "cp1252.csv"
    rows = [["Social media misconduct – FOI 221/14"], [],
            ["Year", "Rank", "Nature of allegation", "Outcome"],
            ["2012", "PC", "Sold a seized phone for £40 and boasted\non Facebook", "Dismissed"],
            ["2013", "PCSO", "Comments about a café; posted while on duty", "Written warning"]]
    path.write_bytes(_csv_text(";", rows).encode("cp1252"))
    expected = [{"locator": "row 4", "year": "2012", "rank": "PC",
                 "breach": "Sold a seized phone for £40 and boasted on Facebook", "outcome": "Dismissed"},
                {"locator": "row 5", "year": "2013", "rank": "PCSO",
                 "breach": "Comments about a café; posted while on duty", "outcome": "Written warning"}]
    return Layout(path, expected, findings=["encoding"])


def csv_bom_tab(folder: Path) -> Layout:
    """UTF-8 with a BOM (Excel's 'CSV UTF-8'), tab separated, blank lines and a Total line."""
    path = folder / "bom-tab.csv"
    rows = [["Year", "Rank", "Nature of allegation", "Outcome"],
            ["2011", "Sgt", "Liked racist posts, 3 times", "Words of advice"],
            [], ["2012", "Staff", "“Unprofessional” tweets", "No further action"], ["Total", "2", "", ""]]
    path.write_bytes(b"\xef\xbb\xbf" + _csv_text("\t", rows).encode("utf-8"))
    expected = [{"locator": "row 2", "year": "2011", "rank": "Sgt", "breach": "Liked racist posts, 3 times",
                 "outcome": "Words of advice"},
                {"locator": "row 4", "year": "2012", "rank": "Staff", "breach": "“Unprofessional” tweets",
                 "outcome": "No further action"}]
    return Layout(path, expected, findings=["totals_row_skipped"])


# --- Word ------------------------------------------------------------------------------------------------

def docx_table_in_letter(folder: Path) -> Layout:
    """A letter with a table: a cell of two paragraphs is one cell joined with one space; data rows are
    numbered from 1 under the header, as in PDFs."""
    path = folder / "letter-table.docx"
    document = docx.Document()
    document.add_paragraph(LETTER_OPENING)
    document.add_paragraph("The information is provided in the table below.")
    table = document.add_table(rows=1, cols=4)
    for cell, text in zip(table.rows[0].cells, HEADER):
        cell.text = text
    for year, rank, breach, outcome in CASES[:3]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[3].text = year, rank, outcome
        first, _, rest = breach.partition(" on ")
        cells[2].text = first
        if rest:
            cells[2].add_paragraph("on " + rest)
    document.add_paragraph("If you are unhappy with this response you may ask for an internal review.")
    document.save(path)
    expected = [{"locator": f"table 1, row {i + 1}", **dict(zip(ROLES, case))} for i, case in enumerate(CASES[:3])]
    return Layout(path, expected)


def docx_refusal_s22(folder: Path) -> Layout:
    path = folder / "refusal-s22.docx"
    document = docx.Document()
    for text in ("Freedom of Information Request 2014/777", LETTER_OPENING,
                 "The information you requested is exempt from disclosure under Section 22 of the Act "
                 "(information intended for future publication).",
                 "This letter acts as a refusal notice for the purposes of Section 17 of the Act."):
        document.add_paragraph(text)
    document.save(path)
    return Layout(path, kind="refused", refusal_basis=["s22"])


def docx_not_held(folder: Path) -> Layout:
    path = folder / "not-held.docx"
    document = docx.Document()
    for text in (LETTER_OPENING, "I can confirm that the force does not hold the information you have "
                 "requested, as misconduct records do not record whether social media was involved."):
        document.add_paragraph(text)
    document.save(path)
    return Layout(path, kind="not_held")


TABLE_LAYOUTS = [pdf_unruled_flowing, pdf_ruled_repeated_header_total, pdf_two_tables, pdf_page_furniture,
                 pdf_rotated_90,
                 pdf_rotated_270, xlsx_two_row_merged_header,
                 xlsx_sheet_per_year, xlsx_dates_and_formulas, csv_cp1252_semicolon, csv_bom_tab,
                 docx_table_in_letter]
LETTER_LAYOUTS = [pdf_refusal_s12, pdf_refusal_s40_ncnd, pdf_nil_return, pdf_scan, docx_refusal_s22, docx_not_held]
