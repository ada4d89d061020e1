"""One builder per fault a real return can have. Each writes one file into ``folder`` and returns its path."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import msoffcrypto.format.ooxml
import openpyxl
from fpdf import FPDF
from PIL import Image

HEADER = ("Year", "Rank", "Nature of allegation", "Outcome")
ROWS = (
    ("2012", "PC", "Inappropriate comments made via Twitter", "Written warning"),
    ("2013", "Sergeant", "Inappropriate comments/use of Facebook", "Management advice"),
    ("2013", "Police Staff", "disclosure of information about work on social media", "No further action"),
)
BILLION_LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">\n' for n in range(1, 10))
    + "]>\n"
)


def _write(folder: Path, name: str, content: bytes) -> Path:
    path = folder / name
    path.write_bytes(content)
    return path


# --- Sound files (the material the faults are made from) ------------------------------------------------


def table_pdf_bytes(rows=ROWS, pages: int = 1) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=9)
    for _ in range(pages):
        pdf.add_page()
        with pdf.table() as table:
            for cells in (HEADER, *rows):
                row = table.row()
                for cell in cells:
                    row.cell(cell)
    return bytes(pdf.output())


def table_xlsx_bytes(rows=ROWS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "2014"
    for cells in (HEADER, *rows):
        sheet.append(list(cells))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def table_docx_bytes(rows=ROWS) -> bytes:
    document = docx.Document()
    document.add_paragraph("Freedom of Information request 170/14")
    table = document.add_table(rows=0, cols=len(HEADER))
    for cells in (HEADER, *rows):
        row = table.add_row().cells
        for cell, text in zip(row, cells, strict=True):
            cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def table_csv_bytes(rows=ROWS) -> bytes:
    return "\r\n".join(",".join(f'"{cell}"' for cell in cells) for cells in (HEADER, *rows)).encode() + b"\r\n"


def table_pdf(folder: Path, name: str = "response.pdf") -> Path:
    return _write(folder, name, table_pdf_bytes())


def table_xlsx(folder: Path, name: str = "response.xlsx") -> Path:
    return _write(folder, name, table_xlsx_bytes())


def table_docx(folder: Path, name: str = "response.docx") -> Path:
    return _write(folder, name, table_docx_bytes())


def table_csv(folder: Path, name: str = "response.csv") -> Path:
    return _write(folder, name, table_csv_bytes())


# --- Broken files ----------------------------------------------------------------------------------


def empty_file(folder: Path, name: str = "response.pdf") -> Path:
    return _write(folder, name, b"")


def truncated_pdf(folder: Path, name: str = "response.pdf") -> Path:
    content = table_pdf_bytes()
    return _write(folder, name, content[: len(content) * 2 // 5])


def truncated_xlsx(folder: Path, name: str = "response.xlsx") -> Path:
    content = table_xlsx_bytes()
    return _write(folder, name, content[: len(content) // 2])


def garbled_xlsx(folder: Path, name: str = "response.xlsx") -> Path:
    """Intact zip directory, but the worksheet's compressed bytes overwritten with junk."""
    content = bytearray(table_xlsx_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(content))) as archive:
        sheet = archive.getinfo("xl/worksheets/sheet1.xml")
    start = sheet.header_offset + 30 + len(sheet.filename.encode()) + len(sheet.extra)
    content[start : start + sheet.compress_size] = bytes(range(256)) * (sheet.compress_size // 256) + bytes(
        sheet.compress_size % 256)
    return _write(folder, name, bytes(content))


def encrypted_pdf(folder: Path, name: str = "response.pdf") -> Path:
    pdf = FPDF()
    pdf.set_encryption(owner_password="owner-secret", user_password="user-secret")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Misconduct cases 2009-2014")
    return _write(folder, name, bytes(pdf.output()))


def encrypted_xlsx(folder: Path, name: str = "response.xlsx") -> Path:
    encrypted = io.BytesIO()
    office = msoffcrypto.format.ooxml.OOXMLFile(io.BytesIO(table_xlsx_bytes()))
    office.encrypt("user-secret", encrypted)
    return _write(folder, name, encrypted.getvalue())


def html_as_xls(folder: Path, name: str = "response.xls") -> Path:
    cells = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in (HEADER, *ROWS))
    page = f"<html><head><meta charset='utf-8'></head><body><table>{cells}</table></body></html>"
    return _write(folder, name, page.encode())


def csv_as_xls(folder: Path, name: str = "response.xls") -> Path:
    return _write(folder, name, table_csv_bytes())


def docx_as_pdf(folder: Path, name: str = "response.pdf") -> Path:
    return _write(folder, name, table_docx_bytes())


def image_only_pdf(folder: Path, name: str = "response.pdf") -> Path:
    """A scan: one page that is a picture of a table, no text layer."""
    picture = Image.new("L", (600, 200), 255)
    for x in range(50, 550):
        for y in (50, 100, 150):
            picture.putpixel((x, y), 0)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(picture, x=10, y=10, w=180)
    return _write(folder, name, bytes(pdf.output()))


def _replace_part(original: bytes, part: str, write_part) -> bytes:
    """The same OOXML package with one part rewritten by ``write_part(handle)``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename == part:
                with target.open(part, "w", force_zip64=True) as handle:
                    write_part(handle)
            else:
                target.writestr(item, source.read(item.filename))
    return out.getvalue()


def zip_bomb_xlsx(folder: Path, name: str = "response.xlsx", expanded_mb: int = 210) -> Path:
    """A ~200 KB workbook whose worksheet XML expands to ``expanded_mb`` MB of whitespace."""

    def write(handle) -> None:
        handle.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                     b'spreadsheetml/2006/main"><sheetData>')
        block = b" " * (1 << 20)
        for _ in range(expanded_mb):
            handle.write(block)
        handle.write(b"</sheetData></worksheet>")

    return _write(folder, name, _replace_part(table_xlsx_bytes(), "xl/worksheets/sheet1.xml", write))


def entity_bomb_xlsx(folder: Path, name: str = "response.xlsx") -> Path:
    sheet = (BILLION_LAUGHS + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData>'
             "</worksheet>")
    return _write(folder, name, _replace_part(table_xlsx_bytes(), "xl/worksheets/sheet1.xml",
                                              lambda handle: handle.write(sheet.encode())))


def entity_bomb_docx(folder: Path, name: str = "response.docx") -> Path:
    body = (BILLION_LAUGHS + '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>")
    return _write(folder, name, _replace_part(table_docx_bytes(), "word/document.xml",
                                              lambda handle: handle.write(body.encode())))


def huge_sheet_xlsx(folder: Path, name: str = "response.xlsx", rows: int = 100_001) -> Path:
    """More rows than max_sheet_rows, written straight into the worksheet XML (openpyxl would take seconds)."""

    def write(handle) -> None:
        handle.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                     b'spreadsheetml/2006/main"><sheetData>')
        for start in range(1, rows + 1, 10_000):
            handle.write(b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>case %d</t></is></c></row>'
                                  % (n, n, n) for n in range(start, min(start + 10_000, rows + 1))))
        handle.write(b"</sheetData></worksheet>")

    return _write(folder, name, _replace_part(table_xlsx_bytes(), "xl/worksheets/sheet1.xml", write))


def huge_pdf(folder: Path, name: str = "response.pdf", pages: int = 501) -> Path:
    pdf = FPDF()
    pdf.set_font("helvetica", size=10)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.cell(text=f"Annex page {number}")
    return _write(folder, name, bytes(pdf.output()))


def blank_pdf(folder: Path, name: str = "response.pdf") -> Path:
    """Pages with neither text nor images: what a PDF whose fonts or content streams are damaged reads as."""
    pdf = FPDF()
    pdf.add_page()
    pdf.add_page()
    return _write(folder, name, bytes(pdf.output()))


def junk_as_xlsx(folder: Path, name: str = "response.xlsx") -> Path:
    return _write(folder, name, bytes(range(256)) * 8)


def unicode_text_as_xls(folder: Path, name: str = "response.xls") -> Path:
    """Excel's "Unicode Text" export: UTF-16 with a byte-order mark, tab-separated, still named .xls."""
    lines = ["\t".join(cells) for cells in (HEADER, *ROWS)]
    return _write(folder, name, "\r\n".join(lines).encode("utf-16"))


def xml_spreadsheet_as_xls(folder: Path, name: str = "response.xls") -> Path:
    """Excel 2003 XML (SpreadsheetML), which records systems still export with an .xls name."""
    rows = "".join("<Row>" + "".join(f'<Cell><Data ss:Type="String">{c}</Data></Cell>' for c in cells) + "</Row>"
                   for cells in (HEADER, *ROWS))
    document = ('<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
                '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
                'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
                f'<Worksheet ss:Name="2014"><Table>{rows}</Table></Worksheet></Workbook>')
    return _write(folder, name, document.encode())
