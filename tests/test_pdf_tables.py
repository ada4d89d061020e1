"""Reading a ruled table's cells ourselves gives exactly the texts pdfplumber's ``Table.extract()`` gives."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pytest
from layouts import pdf_ruled_repeated_header_total, pdf_two_tables

from pipeline.extract.pdf_tables import table_texts

RAW = Path(__file__).resolve().parents[1] / "raw"


def _tables_read_both_ways(path: Path) -> list[tuple[str, list, list]]:
    read = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            for number, table in enumerate(page.find_tables(), start=1):
                read.append((f"{path.name} page {page.page_number} table {number}", table.extract(),
                             table_texts(page.chars, table.rows)))
            page.close()
    return read


@pytest.mark.parametrize("path", sorted(RAW.glob("*/*.pdf")), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_ruled_table_of_the_sample_corpus_reads_the_same(path):
    for where, by_pdfplumber, ours in _tables_read_both_ways(path):
        assert ours == by_pdfplumber, where


@pytest.mark.parametrize("build", [pdf_ruled_repeated_header_total, pdf_two_tables], ids=lambda b: b.__name__)
def test_tables_over_pages_and_side_by_side_read_the_same(build, tmp_path):
    read = _tables_read_both_ways(build(tmp_path).path)
    assert read, "the layout has ruled tables"
    for where, by_pdfplumber, ours in read:
        assert ours == by_pdfplumber, where


def test_a_char_on_a_row_or_column_edge_falls_where_pdfplumber_puts_it():
    """A char whose middle is exactly on a boundary belongs to the row or cell below or right of it."""
    def char(text, x0, top):
        return {"text": text, "x0": x0, "x1": x0 + 4, "top": top, "bottom": top + 10, "upright": True,
                "doctop": top, "size": 10, "fontname": "F", "width": 4, "height": 10}

    class Row:
        def __init__(self, bbox, cells):
            self.bbox, self.cells = bbox, cells

    class Table:   # what Table.extract reads of a table: its page's chars and its rows
        def __init__(self, chars, rows):
            self.page, self.rows = type("Page", (), {"chars": chars})(), rows

    rows = [Row((0, 0, 20, 10), [(0, 0, 10, 10), (10, 0, 20, 10)]),
            Row((0, 10, 20, 20), [(0, 10, 10, 20), None])]
    # middles (x, y): a (5, 5) row 1 cell 1; b (10, 10) row 2, in no drawn cell; c (3, 10) row 2 cell 1;
    # d (4, 0) row 1 cell 1, after a in the page's order; e (12, 20) below the table
    chars = [char("a", 3, 0), char("b", 8, 5), char("c", 1, 5), char("d", 2, -5), char("e", 10, 15)]
    ours = table_texts(chars, rows)
    assert ours == pdfplumber.table.Table.extract(Table(chars, rows))
    assert [[cell and "".join(sorted(cell.split())) for cell in row] for row in ours] == [["ad", ""], ["c", None]]
