"""PDF returns with pdfplumber: ruled tables, unruled (text-aligned) tables, tables that span pages.

pdfplumber's traps are ours to handle: its default ``lines`` strategy finds no unruled table, so an
unruled table is rebuilt from word positions under a header found by meaning; it never stitches a
table across pages, so a table continues onto the next page when the columns line up (with or without
a repeated header); covered cells of a merge come back as ``None``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
from pdfplumber.utils import extract_words as words_of_chars

from pipeline.extract.furniture import band_lines, furniture_boxes, is_furniture_line, outside, text_lines
from pipeline.extract.grid import column_roles, header_score, is_total_row, merge_header_rows
from pipeline.extract.headers import header_role, normalise_heading
from pipeline.extract.letter import classify_text
from pipeline.extract.pdf_tables import CountTable, RuledTable, is_count_table, ruled_tables
from pipeline.extract.prose import prose_rows  # issue 9: numbered prose answers
from pipeline.records import ExtractedRow, FileExtraction, Finding, TableSummary

_CELL_GAP = 9.0           # a wider gap between words of a header line starts a new header cell
_WRAP_GAP = 0.8           # lines closer than this many text heights are one wrapped row


@dataclass
class _Table:
    """A table being read, possibly over several pages."""

    number: int
    header: list[str]
    roles: list[str]
    columns: list[float]          # left x of each column (unruled tables)
    ruled: bool
    rows: int = 0
    first_page: int = 0
    last_page: int = 0
    first_column_numeric: bool | None = None


def _unrotated_chars(page) -> list[dict] | None:
    """The chars of a page whose /Rotate turned its upright text sideways, put back in the frame the text
    was written in; None when the page reads as it is. pdfplumber applies /Rotate to every object, so a
    table on such a page comes back transposed (tools_facts 3.2): undo it before finding rows."""
    rotation = (page.rotation or 0) % 360
    chars = page.chars
    if not rotation or not chars or sum(1 for c in chars if c.get("upright")) * 2 >= len(chars):
        return None
    width, height = page.width, page.height      # the displayed (rotated) frame
    moved = []
    for char in chars:
        x0, x1, top, bottom = char["x0"], char["x1"], char["top"], char["bottom"]
        if rotation == 90:
            box = (top, bottom, width - x1, width - x0)
        elif rotation == 270:
            box = (height - bottom, height - top, x0, x1)
        else:   # 180
            box = (width - x1, width - x0, height - bottom, height - top)
        moved.append({**char, "x0": box[0], "x1": box[1], "top": box[2], "bottom": box[3],
                      "doctop": box[2], "upright": True})
    return moved


def _unrotated_rules(page) -> list[float]:
    """Heights of the horizontal rules of a rotated page in the frame its text was written in (on a page
    turned by 90 or 270 degrees they are the displayed vertical edges)."""
    rotation = (page.rotation or 0) % 360
    rules = set()
    for edge in page.edges:
        if rotation in (90, 270) and edge["orientation"] == "v":
            rules.add(round(page.width - edge["x0"] if rotation == 90 else edge["x0"], 1))
        elif rotation == 180 and edge["orientation"] == "h":
            rules.add(round(page.height - edge["top"], 1))
    return sorted(rules)


def _header_cells(line: list[dict]) -> list[tuple[float, str]]:
    cells: list[tuple[float, list[str], float]] = []
    for word in line:
        if cells and word["x0"] - cells[-1][2] < _CELL_GAP:
            cells[-1][1].append(word["text"])
            cells[-1] = (cells[-1][0], cells[-1][1], word["x1"])
        else:
            cells.append((word["x0"], [word["text"]], word["x1"]))
    return [(x0, " ".join(texts)) for x0, texts, _ in cells]


def _assign(line: list[dict], columns: list[float]) -> list[str] | None:
    """Words of one line into columns; None when a word straddles a column edge (prose, not a row)."""
    cells = [[] for _ in columns]
    for word in line:
        index = max((i for i, x in enumerate(columns) if word["x0"] >= x - 2), default=None)
        if index is None:
            return None
        if index + 1 < len(columns) and word["x1"] > columns[index + 1] - 1:
            return None
        cells[index].append(word["text"])
    return [" ".join(c) for c in cells]


def _same_columns(a: list[float], b: list[float], tolerance: float = 3.0) -> bool:
    """Columns that start at the same x positions: the same table, whatever its heading wraps to."""
    return len(a) == len(b) and all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def _is_number_like(text: str) -> bool:
    return bool(re.search(r"\d", text or ""))


class _Reader:
    def __init__(self, extraction: FileExtraction, hints: dict):
        self.extraction = extraction
        self.hints = hints
        self.current: _Table | None = None
        self.counting: CountTable | None = None
        self.count = 0

    # --- emitting rows ------------------------------------------------------------------------
    def _emit(self, page_no: int, cells: list[str]) -> None:
        table = self.current
        e = self.extraction
        if not any(cells) or [normalise_heading(c) for c in cells] == [normalise_heading(h) for h in table.header]:
            return
        if is_total_row(cells):
            e.findings.append(Finding("info", "totals_row_skipped",
                                      f"{e.source_file}: a totals row on page {page_no} was not read as a case.",
                                      e.force_id, e.source_file, f"page {page_no}", " | ".join(cells)))
            return
        table.rows += 1
        table.last_page = page_no
        locator = f"page {page_no}, table {table.number}, row {table.rows}"
        row = ExtractedRow(e.force_id, e.source_file, e.source_sha256, locator, raw_text=" | ".join(cells))
        for c, text in enumerate(cells):
            role = table.roles[c] if c < len(table.roles) else ""
            if role:
                row.cells[role] = text
                row.cell_locators[role] = f"{locator}, column {c + 1}"
            elif text:
                row.extra[table.header[c] if c < len(table.header) else f"column {c + 1}"] = text
        e.rows.append(row)

    def _start(self, header: list[str], columns: list[float], ruled: bool, page_no: int) -> None:
        self._finish()
        self._finish_counts()
        self.count += 1
        roles = column_roles(header, self.hints.get("columns"))
        self.current = _Table(self.count, header, roles, columns, ruled, first_page=page_no, last_page=page_no)

    def _finish(self) -> None:
        table = self.current
        if table is None:
            return
        pages = (f"page {table.first_page}" if table.first_page == table.last_page
                 else f"pages {table.first_page}-{table.last_page}")
        e = self.extraction
        counted = "count" in table.roles and not {"breach", "outcome"} & set(table.roles)
        e.tables.append(TableSummary(f"{pages}, table {table.number}", table.header,
                                     dict(zip(table.header, table.roles, strict=False)), table.rows,
                                     page=table.first_page, grain="count" if counted else "case"))
        for heading, role in zip(table.header, table.roles, strict=False):
            if heading and not role:
                e.findings.append(Finding("warning", "unknown_column",
                                          f"{e.source_file}: column '{heading}' ({pages}) was not understood; "
                                          f"give it a role in return.yaml.", e.force_id, e.source_file, pages,
                                          heading))
        self.current = None

    # --- counts --------------------------------------------------------------------------------
    def take_count_table(self, page_no: int, index: int, table: RuledTable) -> bool:
        """Take a ruled count table (numbers by year or category under no case heading), or the rows of a
        page's first table that continue the count table left open on the page before. A count table stays
        open over the page break only when no other table follows it on its page."""
        if index == 0 and self.counting is not None and self.counting.continue_with(table, page_no):
            return True
        self._finish_counts()
        if any(header_score(row) >= 2 for row in table.rows[:5]) or not is_count_table(table.rows):
            return False
        self._finish()
        self.count += 1
        self.counting = CountTable.start(self.count, table, page_no)
        return True

    def _finish_counts(self) -> None:
        if self.counting is None:
            return
        e = self.extraction
        rows, summary, findings = self.counting.read(force_id=e.force_id, source_file=e.source_file,
                                                     sha256=e.source_sha256)
        e.rows += rows
        e.findings += findings
        if summary is not None:
            e.tables.append(summary)
        self.counting = None

    # --- ruled ---------------------------------------------------------------------------------
    def ruled_page(self, page_no: int, tables: list[RuledTable]) -> None:
        for index, table in enumerate(tables):
            grid = table.rows
            start = 0
            scored = [header_score(r) for r in grid[:5]]
            best = max(range(len(scored)), key=lambda i: scored[i]) if scored else 0
            if scored and scored[best] >= 2:
                header = merge_header_rows(grid, best)
                same = (self.current is not None and self.current.ruled
                        and [normalise_heading(h) for h in header]
                        == [normalise_heading(h) for h in self.current.header])
                if not same:
                    self._start(header, [], True, page_no)
                start = best + (2 if header != grid[best] else 1)
            elif not (self.current and self.current.ruled and len(grid[0]) == len(self.current.header)):
                self.take_count_table(page_no, index, table)
                continue   # a table of counts, or a ruled box that is not a table
            for cells in grid[start:]:
                self._emit(page_no, cells)

    # --- unruled -------------------------------------------------------------------------------
    def unruled_page(self, page_no: int, lines: list[list[dict]], rules: list[float] | None = None) -> None:
        """Rows rebuilt from word positions. Lines closer than a fraction of the text height belong to
        one row (a wrapped cell, in any column); a wider gap starts a new row."""
        pending: list[str] | None = None
        in_header = False
        previous_bottom = None
        for line in lines:
            if is_furniture_line(line):
                continue
            top = min(w["top"] for w in line)
            bottom = max(w["bottom"] for w in line)
            height = max(w["bottom"] - w["top"] for w in line)
            close = previous_bottom is not None and top - previous_bottom < _WRAP_GAP * height
            if close and rules:      # ruled rows: a rule between two lines always starts a new row
                close = not any(previous_bottom - 1 <= y <= top + 1 for y in rules)
            cells = _header_cells(line)
            if sum(1 for _, c in cells if header_role(c)) >= 2 and header_score([c for _, c in cells]) >= 2:
                if pending is not None:
                    self._emit(page_no, pending)
                    pending = None
                header = [c for _, c in cells]
                same = self.current is not None and not self.current.ruled and (
                    [normalise_heading(h) for h in header] == [normalise_heading(h) for h in self.current.header]
                    or _same_columns([x for x, _ in cells], self.current.columns))   # repeated, maybe wrapped
                if not same:
                    self._start(header, [x for x, _ in cells], False, page_no)
                    in_header = True
                else:
                    in_header = "repeat"
                previous_bottom = bottom
                continue
            if self.current is None or self.current.ruled:
                previous_bottom = bottom
                continue
            assigned = _assign(line, self.current.columns)
            if assigned is None:
                if pending is not None:
                    self._emit(page_no, pending)
                    pending = None
                if self.current.rows:       # prose after the table ends it
                    self._finish()
                in_header = False
                previous_bottom = bottom
                continue
            if in_header and close:
                if in_header is True:       # a heading wrapped over two lines
                    self.current.header = [(h + " " + a).strip() if a else h
                                           for h, a in zip(self.current.header, assigned, strict=False)]
                    self.current.roles = column_roles(self.current.header, self.hints.get("columns"))
                previous_bottom = bottom
                continue
            in_header = False
            if close and pending is not None:
                pending = [(p + " " + a).strip() if a else p for p, a in zip(pending, assigned, strict=False)]
            else:
                first = assigned[0]
                numeric = self.current.first_column_numeric
                if numeric is not None and first and _is_number_like(first) != numeric:
                    previous_bottom = bottom
                    continue            # a letterhead line on a continuation page, not a row
                if pending is not None:
                    self._emit(page_no, pending)
                if numeric is None and first:
                    self.current.first_column_numeric = _is_number_like(first)
                pending = assigned
            previous_bottom = bottom
        if pending is not None:
            self._emit(page_no, pending)


def _page_list(pages: list[int]) -> str:
    if not pages:
        return "the file is"
    shown = ", ".join(str(p) for p in pages[:12]) + (" ..." if len(pages) > 12 else "")
    return f"page {shown} is" if len(pages) == 1 else f"pages {shown} are"


def extract_pdf(path: Path, force_id: str, source_file: str, sha256: str, hints: dict) -> FileExtraction:
    extraction = FileExtraction(force_id, source_file, sha256, "pdf")
    reader = _Reader(extraction, hints)
    texts = []
    scanned_pages = []     # pages that are an image with no text layer
    wanted = set(hints.get("pages") or [])
    bands: dict[int, list] = {}    # lines in each page's margins, for running heads and feet (unruled pages)
    with pdfplumber.open(path) as pdf:

        def margins(number: int) -> list:
            # The next page is parsed here and read next, from the same parse.
            if number not in bands:
                bands[number] = band_lines(pdf.pages[number - 1])
            return bands[number]

        for page_no, page in enumerate(pdf.pages, start=1):
            if wanted and page_no not in wanted:
                continue
            page_text = page.extract_text() or ""
            texts.append(page_text)
            if not page_text.strip() and page.images:
                scanned_pages.append(page_no)
            rotated = _unrotated_chars(page)
            if rotated is not None:      # read from word positions in the frame the text was written in
                extraction.findings.append(Finding("info", "rotated_page", f"{source_file}: page {page_no} is "
                                                   f"rotated {page.rotation}°; it was read turned back upright.",
                                                   force_id, source_file, f"page {page_no}"))
                reader._finish_counts()
                reader.unruled_page(page_no, text_lines(words_of_chars(rotated)), _unrotated_rules(page))
                page.close()
                continue
            tables = ruled_tables(page)
            if any(header_score(r) >= 2 for t in tables for r in t.rows[:5]) or \
                    (tables and reader.current is not None and reader.current.ruled):
                reader.ruled_page(page_no, tables)
            else:
                taken = [t.bbox for i, t in enumerate(tables) if reader.take_count_table(page_no, i, t)]
                if not tables:
                    reader._finish_counts()
                neighbours = [margins(n) for n in (page_no - 1, page_no + 1) if 1 <= n <= len(pdf.pages)]
                boxes = taken + furniture_boxes(margins(page_no), neighbours)
                words = page.extract_words(keep_blank_chars=False)
                reader.unruled_page(page_no, text_lines([w for w in words if outside(w, boxes)]))
            page.close()
    reader._finish()
    reader._finish_counts()
    text = "\n".join(texts)
    if not extraction.rows:   # issue 9: with no case table, numbered prose answers may be the answer
        extraction.rows += prose_rows([(f"page {n}", t) for n, t in enumerate(texts, 1)],
                                      force_id=force_id, source_file=source_file, sha256=sha256)
    letter = classify_text(text)
    # Mostly scans, no table of cases and no letter we recognise: the text is whatever a few pages carry.
    mostly_scanned = scanned_pages and 2 * len(scanned_pages) >= len(texts) and letter.kind == "unknown" \
        and not any(row.cells for row in extraction.rows)
    if extraction.rows and not mostly_scanned:
        extraction.kind = "partial" if letter.kind in ("refused", "partial") else "table"
    elif scanned_pages and (not text.strip() or letter.kind == "unknown"):
        extraction.kind = "needs_ocr"
        pages = _page_list(scanned_pages)
        extraction.findings.append(Finding("error", "needs_ocr", f"{source_file}: {pages} a scan with no text "
                                           f"layer: it needs OCR or a person to key it in; ask the force for an "
                                           f"electronic copy.", force_id, source_file, pages))
    else:
        extraction.kind = letter.kind
    if scanned_pages and extraction.kind != "needs_ocr":
        extraction.findings.append(Finding("warning", "pages_need_ocr",
                                           f"{source_file}: {_page_list(scanned_pages)} a scan with no text layer "
                                           f"and could not be read.", force_id, source_file,
                                           _page_list(scanned_pages)))
    extraction.refusal_basis, extraction.evidence = letter.sections, letter.evidence
    extraction.period_start, extraction.period_end = letter.period_start, letter.period_end
    return extraction
