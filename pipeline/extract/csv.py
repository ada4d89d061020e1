"""CSV: the encoding (UTF-8 with or without BOM, else Windows-1252) and the delimiter are detected."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pipeline.extract.grid import Grid, header_score, rows_from_grid
from pipeline.records import FileExtraction, Finding


def decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):      # Excel's "Unicode Text" export
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def sniff_delimiter(text: str) -> str:
    """The delimiter under which some early row reads as a header naming most column roles; title
    lines above the header ("Force name - FOI 221/14") fool csv.Sniffer, so it only breaks ties."""
    sample = "\n".join(text.splitlines()[:40])
    try:
        fallback = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        fallback = ","
    best, best_score = fallback, 0
    for delimiter in (fallback, ",", ";", "\t", "|"):
        rows = list(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter))
        score = max((header_score(row) for row in rows), default=0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def extract_csv(path: Path, force_id: str, source_file: str, sha256: str, hints: dict) -> FileExtraction:
    extraction = FileExtraction(force_id, source_file, sha256, "csv")
    data = path.read_bytes()
    text, encoding = (data.decode(hints["encoding"], errors="replace"), hints["encoding"]) \
        if hints.get("encoding") else decode(data)
    delimiter = hints.get("delimiter") or sniff_delimiter(text)
    rows = [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    grid = Grid(rows=rows, row_locator=lambda r: f"row {r + 1}",
                cell_locator=lambda r, c: f"row {r + 1}, column {c + 1}", where="table 1")
    found, table, findings = rows_from_grid(grid, force_id=force_id, source_file=source_file, sha256=sha256,
                                            hints=hints)
    extraction.findings += findings
    if encoding == "cp1252":
        extraction.findings.append(Finding("info", "encoding", f"{source_file} was read as Windows-1252.",
                                           force_id, source_file))
    if table is not None:
        extraction.rows, extraction.tables, extraction.kind = found, [table], "table"
    return extraction
