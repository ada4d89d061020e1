"""Format-independent table logic: a grid of cell texts -> header row, column roles, data rows.

Every extractor turns its file into ``Grid`` s (rows of cell texts plus a way to name each cell's
locator); this module finds the header by meaning, gives columns their roles, drops what is not a
data row (blank, repeated header, totals) and emits ``ExtractedRow`` s.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pipeline.extract.counts import count_grid  # issue 9: count tables
from pipeline.extract.headers import header_role, normalise_heading
from pipeline.records import ExtractedRow, Finding, TableSummary

_TOTAL = re.compile(r"^\s*(grand\s+)?(sub\s*-?\s*)?totals?\b", re.IGNORECASE)
_MAX_HEADER_SEARCH = 40


@dataclass
class Grid:
    """A table as text: ``rows[r][c]``; ``row_locator(r)`` and ``cell_locator(r, c)`` name the source."""

    rows: list[list[str]]
    row_locator: Callable[[int], str]
    cell_locator: Callable[[int, int], str]
    where: str                                # "page 2, table 1" | "sheet 'Data'" | "table 1"
    page: int | None = None
    sheet: str | None = None
    context: dict[str, str] = field(default_factory=dict)


def clean_cell(value: object) -> str:
    """Cell text as published: outer whitespace stripped, line wraps joined with one space."""
    if value is None:
        return ""
    return " ".join(str(value).split())


def _roles(cells: list[str]) -> list[str]:
    return [header_role(c) if c else "" for c in cells]


def header_score(cells: list[str]) -> int:
    roles = [r for r in _roles(cells) if r]
    return len(set(roles)) if len(roles) >= 2 else 0


def find_header_row(rows: list[list[str]], header_row: int | None = None) -> int | None:
    """Index of the header row: the row naming most distinct column roles (at least two)."""
    if header_row is not None:
        return header_row if 0 <= header_row < len(rows) else None
    best, best_score = None, 0
    for index, cells in enumerate(rows[:_MAX_HEADER_SEARCH]):
        score = header_score(cells)
        if score > best_score:
            best, best_score = index, score
    return best


def merge_header_rows(rows: list[list[str]], index: int) -> list[str]:
    """A two-row header: a cell the lower row leaves blank takes the upper row's text, and a lower cell
    with no role of its own keeps the upper label in front ("Officer/Staff details" over "Rank")."""
    header = list(rows[index])
    if index + 1 < len(rows):
        below = rows[index + 1]
        below_roles = _roles(below)
        if sum(1 for r in below_roles if r) >= 1 and not any(_looks_like_data(c) for c in below if c):
            merged = []
            for c, top in enumerate(header):
                under = below[c] if c < len(below) else ""
                merged.append(under if under and header_role(under) else (top or under))
            return merged
    return header


def header_rows_used(rows: list[list[str]], index: int) -> int:
    merged = merge_header_rows(rows, index)
    return 2 if merged != rows[index] else 1


def _looks_like_data(text: str) -> bool:
    return bool(re.search(r"\d{3,}", text)) or len(text) > 60


def column_roles(header: list[str], overrides: dict[str, str] | None = None) -> list[str]:
    """Role per column; a role claimed twice keeps its first column. Overrides from return.yaml win."""
    overrides = {normalise_heading(k): v for k, v in (overrides or {}).items()}
    roles, taken = [], set()
    for heading in header:
        role = overrides.get(normalise_heading(heading)) or (header_role(heading) if heading else "")
        if role in taken:
            role = ""
        if role:
            taken.add(role)
        roles.append(role)
    return roles


def is_total_row(cells: list[str]) -> bool:
    first = next((c for c in cells if c), "")
    return bool(_TOTAL.match(first))


def _repeats_header(cells: list[str], normalised_header: list[str]) -> bool:
    """Whether a row is the header again, cell by cell: a data row differs in its first cells, so most rows
    normalise one cell, not all of them (every cell of every row was 2% of reading the scale corpus)."""
    return len(cells) == len(normalised_header) and \
        all(normalise_heading(cell) == heading for cell, heading in zip(cells, normalised_header))


def rows_from_grid(grid: Grid, *, force_id: str, source_file: str, sha256: str,
                   hints: dict | None = None, header: list[str] | None = None,
                   start: int | None = None) -> tuple[list[ExtractedRow], TableSummary | None, list[Finding]]:
    """Data rows of one grid. ``header``/``start`` continue a table from a previous page."""
    hints = hints or {}
    findings: list[Finding] = []
    rows = grid.rows
    if header is None and not hints.get("header_row"):   # issue 9: a table of counts, not of cases
        counted = count_grid(grid, force_id=force_id, source_file=source_file, sha256=sha256)
        if counted is not None:
            return counted
    if header is None:
        hint_row = hints.get("header_row")
        index = find_header_row(rows, int(hint_row) - 1 if hint_row else None)
        if index is None:
            return [], None, findings
        header = merge_header_rows(rows, index)
        start = index + header_rows_used(rows, index)
    roles = column_roles(header, hints.get("columns"))
    normalised_header = [normalise_heading(h) for h in header]
    extracted: list[ExtractedRow] = []
    for r in range(start or 0, len(rows)):
        cells = [clean_cell(c) for c in rows[r]]
        if not any(cells):
            continue
        if _repeats_header(cells, normalised_header):
            continue   # a header repeated on a later page
        if is_total_row(cells):
            findings.append(Finding("info", "totals_row_skipped",
                                    f"{source_file}: a totals row was not read as a case ({grid.row_locator(r)}).",
                                    force_id, source_file, grid.row_locator(r), " | ".join(cells)))
            continue
        row = ExtractedRow(force_id, source_file, sha256, grid.row_locator(r), context=dict(grid.context),
                           raw_text=" | ".join(cells))
        for c, text in enumerate(cells):
            if c >= len(roles):
                if text:
                    row.extra[f"column {c + 1}"] = text
                continue
            if roles[c]:
                row.cells[roles[c]] = text
                row.cell_locators[roles[c]] = grid.cell_locator(r, c)
            elif text:
                row.extra[header[c] or f"column {c + 1}"] = text
        extracted.append(row)
    for heading, role in zip(header, roles, strict=False):
        if heading and not role:
            findings.append(Finding("warning", "unknown_column",
                                    f"{source_file}: column '{heading}' ({grid.where}) was not understood; its "
                                    f"values are kept but not published. Give it a role in return.yaml "
                                    f"(files: {{name: {{columns: {{'{heading}': breach}}}}}}).",
                                    force_id, source_file, grid.where, heading))
    summary = TableSummary(locator=grid.where, header=header, column_roles=dict(zip(header, roles, strict=False)),
                           rows=len(extracted), page=grid.page, sheet=grid.sheet)
    return extracted, summary, findings
