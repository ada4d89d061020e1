"""Extraction: one module per format behind one entry point, ``extract_file``.

Each reader takes a file and its hints (from return.yaml) and returns a ``FileExtraction``: rows with
verbatim cells and provenance, the tables found, and findings. Bad input is a finding, never a crash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from pipeline.extract.csv import extract_csv
from pipeline.extract.docx import extract_docx
from pipeline.extract.pdf import extract_pdf
from pipeline.extract.spreadsheet import extract_spreadsheet
from pipeline.records import FileExtraction, Finding

READERS: dict[str, Callable[[Path, str, str, str, dict], FileExtraction]] = {
    ".pdf": extract_pdf,
    ".xlsx": extract_spreadsheet,
    ".xlsm": extract_spreadsheet,
    ".csv": extract_csv,
    ".txt": extract_csv,
    ".docx": extract_docx,
}


def extract_file(path: Path, force_id: str, source_file: str, hints: dict | None = None) -> FileExtraction:
    path = Path(path)
    data = path.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        extraction = FileExtraction(force_id, source_file, sha256, suffix.lstrip(".") or "unknown")
        extraction.findings.append(Finding(
            "error", "unsupported_format",
            f"{source_file}: files ending '{suffix or '(none)'}' cannot be read; ask {force_id} for PDF, XLSX, "
            f"CSV or DOCX.", force_id, source_file))
        return extraction
    extraction = reader(path, force_id, source_file, sha256, dict(hints or {}))
    extraction.hints_used = sorted(k for k in (hints or {}) if k != "skip")
    return extraction
