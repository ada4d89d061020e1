"""Ruled PDF tables as pdfplumber finds them, with the boxes of their cells, and count tables stitched over pages.

Two pdfplumber habits are ours to undo here. A cell whose box it could not close comes back as ``None`` and
its words are in no cell at all (a row drawn with cell shading that starts a few points above the table's
first rule): :func:`ruled_tables` puts such words back into the cell their row and column place them in. And
it never continues a table onto the next page: :class:`CountTable` gathers the rows of a count table (numbers
by year and category) page after page, re-aligned on the columns of the page its header was on, and reads
them once the table ends, with :func:`pipeline.extract.counts.count_grid` as for any other format.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field

from pdfplumber import utils as pdfplumber_utils

from pipeline.extract.counts import count_grid, is_year_label
from pipeline.extract.grid import Grid, clean_cell
from pipeline.extract.headers import header_role
from pipeline.records import ExtractedRow, Finding, TableSummary

_EDGE_TOLERANCE = 3.0      # points: two tables whose left edges differ by less start at the same x


@dataclass
class RuledTable:
    """One table pdfplumber found on a page: cell texts ('' for empty or covered) and where its columns are."""

    rows: list[list[str]]
    bbox: tuple[float, float, float, float]
    columns: list[tuple[float, float]]      # (x0, x1) of each column


def _column_spans(boxes: list[list[tuple | None]]) -> list[tuple[float, float]]:
    width = max((len(row) for row in boxes), default=0)
    spans = []
    for c in range(width):
        box = next((row[c] for row in boxes if c < len(row) and row[c] is not None), None)
        spans.append((box[0], box[2]) if box else (0.0, 0.0))
    return spans


def _row_spans(boxes: list[list[tuple | None]]) -> list[tuple[float, float] | None]:
    spans = []
    for row in boxes:
        box = next((cell for cell in row if cell is not None), None)
        spans.append((box[1], box[3]) if box else None)
    return spans


def _inside(x: float, y: float, box: tuple) -> bool:
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _restore_lost_words(texts: list[list[str | None]], boxes: list[list[tuple | None]], bbox: tuple,
                        words: list[dict]) -> None:
    """Words inside the table but inside no cell go into the covered (None) cell at their row and column."""
    columns, rows = _column_spans(boxes), _row_spans(boxes)
    cells = [box for row in boxes for box in row if box is not None]
    lost: dict[tuple[int, int], list[dict]] = {}
    for word in words:
        x, y = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
        if not _inside(x, y, bbox) or any(_inside(x, y, box) for box in cells):
            continue
        r = next((i for i, span in enumerate(rows) if span and span[0] <= y <= span[1]), None)
        c = next((i for i, (x0, x1) in enumerate(columns) if x0 <= x <= x1), None)
        if r is not None and c is not None and c < len(texts[r]) and texts[r][c] is None:
            lost.setdefault((r, c), []).append(word)
    for (r, c), placed in lost.items():
        placed.sort(key=lambda w: (round(w["top"] / 3), w["x0"]))
        texts[r][c] = " ".join(w["text"] for w in placed)


def _data_columns(boxes: list[list[tuple | None]]) -> list[tuple[float, float]] | None:
    """The columns most rows are drawn with, when they are fewer than the table's: a heading cell drawn a
    little narrower than the cells under it leaves thin empty columns beside it, and puts the heading in a
    column no number is in. None when the rows agree with the table's columns."""
    shapes: dict[tuple, int] = {}
    for row in boxes:
        shape = tuple((round(box[0], 1), round(box[2], 1)) for box in row if box is not None)
        shapes[shape] = shapes.get(shape, 0) + 1
    common = max(shapes, key=lambda shape: (shapes[shape], len(shape)), default=())
    width = max((len(row) for row in boxes), default=0)
    return list(common) if 2 <= len(common) < width and shapes[common] * 2 > len(boxes) else None


def ruled_tables(page) -> list[RuledTable]:
    """The ruled tables of a page, top to bottom as pdfplumber orders them."""
    found, words = [], None
    for table in page.find_tables():
        rows = table.rows
        texts = table_texts(table.page.chars, rows)
        boxes = [list(row.cells) for row in rows]
        if any(cell is None for row in texts for cell in row):
            if words is None:
                words = page.extract_words()
            _restore_lost_words(texts, boxes, table.bbox, words)
        ruled = RuledTable([[clean_cell(c) for c in row] for row in texts], tuple(table.bbox),
                           _column_spans(boxes))
        columns = _data_columns(boxes)
        realigned = _realigned(ruled, columns) if columns else None
        if realigned is not None:
            ruled = RuledTable(realigned, ruled.bbox, columns)
        found.append(ruled)
    return found


def table_texts(chars: list[dict], rows: list) -> list[list[str | None]]:
    """The texts of a table's cells, as pdfplumber's ``Table.extract()`` gives them, from the same chars.

    ``Table.extract`` tests every char of the page against every row's box: 5% of the parsing processes' time
    on the scale corpus, more than reading the tables' text. Here the chars are sorted once by their middle's
    height and each row takes its band by bisection; the test for a cell is pdfplumber's (a char's middle in
    ``[x0, x1) x [top, bottom)``), and each cell's chars keep the page's order, so the texts are the same.
    """
    middles = [((char["top"] + char["bottom"]) / 2, (char["x0"] + char["x1"]) / 2) for char in chars]
    by_height = sorted(range(len(chars)), key=lambda i: middles[i][0])
    heights = [middles[i][0] for i in by_height]
    texts = []
    for row in rows:
        x0, top, x1, bottom = row.bbox
        in_row = sorted(i for i in by_height[bisect_left(heights, top):bisect_left(heights, bottom)]
                        if x0 <= middles[i][1] < x1)
        cells: list[str | None] = []
        for cell in row.cells:
            if cell is None:
                cells.append(None)
                continue
            left, above, right, below = cell
            inside = [chars[i] for i in in_row
                      if left <= middles[i][1] < right and above <= middles[i][0] < below]
            cells.append(pdfplumber_utils.extract_text(inside) if inside else "")
        texts.append(cells)
    return texts


def _realigned(table: RuledTable, columns: list[tuple[float, float]]) -> list[list[str]] | None:
    """The rows of a continuation put into the columns of the table it continues, by where each cell's
    middle falls; None when a cell falls in no column (a different table)."""
    target = []
    for c, (x0, x1) in enumerate(table.columns):
        middle = (x0 + x1) / 2
        k = next((i for i, (a, b) in enumerate(columns) if a <= middle <= b), None)
        if k is None and any(c < len(row) and row[c] for row in table.rows):
            return None
        target.append(k)
    rows = []
    for row in table.rows:
        cells = [""] * len(columns)
        for c, text in enumerate(row):
            k = target[c] if c < len(target) else None
            if text and k is not None:
                cells[k] = f"{cells[k]} {text}".strip()
        rows.append(cells)
    return rows


def _header_index(rows: list[list[str]]) -> int:
    """The row a count table's numbers hang from: years across, a year heading first, or a count heading."""
    for r, row in enumerate(rows):
        if sum(1 for c in row if is_year_label(c)) >= 2 or (row and header_role(row[0]) == "year") \
                or any(header_role(c) == "count" for c in row if c):
            return r
    return 0


def _is_number(text: str) -> bool:
    return text.replace(",", "").strip().isdigit()


@dataclass
class CountTable:
    """A ruled count table being read, possibly over several pages."""

    number: int
    columns: list[tuple[float, float]]
    left: float
    rows: list[list[str]] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)

    @classmethod
    def start(cls, number: int, table: RuledTable, page_no: int) -> CountTable:
        started = cls(number, table.columns, table.bbox[0])
        started.rows, started.pages = list(table.rows), [page_no] * len(table.rows)
        return started

    def continue_with(self, table: RuledTable, page_no: int) -> bool:
        """Take the rows of a table on a later page when it starts at the same left edge, has no heading row
        of its own and its cells fall in this table's columns. A first row holding only a label is the end of
        a row label split by the page break."""
        if abs(table.bbox[0] - self.left) > _EDGE_TOLERANCE or is_count_table(table.rows):
            return False
        rows = _realigned(table, self.columns)
        if rows is None:
            return False
        if rows and self.rows and rows[0][0] and not any(rows[0][1:]) and any(self.rows[-1][1:]):
            self.rows[-1][0] = f"{self.rows[-1][0]} {rows[0][0]}".strip()
            rows = rows[1:]
        self.rows += rows
        self.pages += [page_no] * len(rows)
        return True

    def read(self, *, force_id: str, source_file: str, sha256: str
             ) -> tuple[list[ExtractedRow], TableSummary | None, list[Finding]]:
        """Its count cells, located as 'page P, table T, row R, column C' (R counts data rows)."""
        rows, pages = [list(r) for r in self.rows], list(self.pages)
        h = _header_index(rows)
        # A heading wrapped into the rows under it ("Grand" over "Total"): no row label and no number.
        while h + 1 < len(rows) and not rows[h + 1][0] and any(rows[h + 1]) \
                and not any(_is_number(c) for c in rows[h + 1]):
            rows[h] = [f"{a} {b}".strip() for a, b in zip(rows[h], rows[h + 1], strict=False)]
            del rows[h + 1], pages[h + 1]
        first, last = pages[0], pages[-1]
        where = f"page {first}, table {self.number}" if first == last else \
            f"pages {first}-{last}, table {self.number}"
        number = self.number
        grid = Grid(rows=rows,
                    row_locator=lambda r: f"page {pages[r]}, table {number}, row {r - h}",
                    cell_locator=lambda r, c: f"page {pages[r]}, table {number}, row {r - h}, column {c + 1}",
                    where=where, page=first)
        counted = count_grid(grid, force_id=force_id, source_file=source_file, sha256=sha256)
        return counted if counted is not None else ([], None, [])


def is_count_table(rows: list[list[str]]) -> bool:
    """A grid the count reader takes as numbers by year or category (not a table of cases)."""
    grid = Grid(rows=rows, row_locator=str, cell_locator=lambda r, c: "", where="")
    return count_grid(grid, force_id="", source_file="", sha256="") is not None
