"""Word (.docx) returns: every table through the same header logic; the letter text is classified."""

from __future__ import annotations

from pathlib import Path

import docx

from pipeline.extract.grid import Grid, rows_from_grid
from pipeline.extract.letter import classify_text
from pipeline.extract.prose import prose_rows  # issue 9: numbered prose answers
from pipeline.records import FileExtraction


def _table_rows(table) -> list[list[str]]:
    rows = []
    for row in table.rows:
        cells, previous = [], None
        for cell in row.cells:
            # python-docx repeats a horizontally merged cell once per grid column: keep it once.
            cells.append("" if cell._tc is previous else cell.text)
            previous = cell._tc
        rows.append(cells)
    return rows


def extract_docx(path: Path, force_id: str, source_file: str, sha256: str, hints: dict) -> FileExtraction:
    extraction = FileExtraction(force_id, source_file, sha256, "docx")
    document = docx.Document(str(path))
    for t, table in enumerate(document.tables, start=1):
        rows = _table_rows(table)
        grid = Grid(rows=rows, row_locator=lambda r, t=t: f"table {t}, row {r}",
                    cell_locator=lambda r, c, t=t: f"table {t}, row {r}, column {c + 1}", where=f"table {t}")
        found, summary, findings = rows_from_grid(grid, force_id=force_id, source_file=source_file,
                                                  sha256=sha256, hints=hints)
        extraction.findings += findings
        if summary is not None:
            extraction.rows += found
            extraction.tables.append(summary)
    text = "\n\n".join(p.text for p in document.paragraphs)   # a paragraph always ends a sentence
    if not extraction.rows:   # issue 9: with no case table, numbered prose answers may be the answer
        extraction.rows += prose_rows([(f"paragraph {i}", p.text) for i, p in enumerate(document.paragraphs, 1)],
                                      force_id=force_id, source_file=source_file, sha256=sha256)
    letter = classify_text(text)
    if extraction.rows:
        extraction.kind = "partial" if letter.kind in ("refused", "partial") else "table"
    else:
        extraction.kind = letter.kind
    extraction.refusal_basis, extraction.evidence = letter.sections, letter.evidence
    extraction.period_start, extraction.period_end = letter.period_start, letter.period_end
    return extraction
