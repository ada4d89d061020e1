"""Extraction: one module per format behind one entry point, ``extract_file``.

Each reader takes a file and its hints (from return.yaml) and returns a ``FileExtraction``: rows with
verbatim cells and provenance, the tables found, and findings. Bad input is a finding, never a crash.

Per-file hints (``files:`` in a force's return.yaml; every key optional, all listed in ``hints_used``):

    pages: [2, 3]          # PDF: read only these pages (1-based)
    sheets: ["2013"]       # XLSX/XLS: read only these sheets
    header_row: 4          # the header is this row of each table/sheet (1-based); skips header search
    columns: {"Nature of Allegation": breach, "Result": outcome}   # heading -> column role (wins over
                           # schemas/header_synonyms.yaml; "" leaves the column unplaced)
    delimiter: ";"         # CSV: the delimiter, instead of sniffing
    encoding: cp1252       # CSV: the encoding, instead of detecting
    skip: true             # the file is not read at all (a covering letter duplicated elsewhere ...)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from pipeline.extract.csv import extract_csv
from pipeline.extract.docx import extract_docx
from pipeline.extract.pdf import extract_pdf
from pipeline.extract.spreadsheet import extract_spreadsheet, extract_xls
from pipeline.records import FileExtraction, Finding

READERS: dict[str, Callable[[Path, str, str, str, dict], FileExtraction]] = {
    ".pdf": extract_pdf,
    ".xlsx": extract_spreadsheet,
    ".xlsm": extract_spreadsheet,
    ".xls": extract_xls,
    ".csv": extract_csv,
    ".txt": extract_csv,
    ".tsv": extract_csv,
    ".docx": extract_docx,
}

# Formats we recognise but do not read, and what a person should do about each.
REFUSED_FORMATS = {
    ".doc": "a Word 97-2003 document (.doc); open it in Word or LibreOffice, save it as .docx next to it in "
            "raw/{force}/ and skip the .doc in return.yaml (files: {{{name}: {{skip: true}}}})",
    ".rtf": "a Rich Text file (.rtf); save it as .docx or PDF next to it and skip the .rtf in return.yaml",
    ".odt": "an OpenDocument text (.odt); save it as .docx next to it and skip the .odt in return.yaml",
    ".ods": "an OpenDocument spreadsheet (.ods); save it as .xlsx next to it and skip the .ods in return.yaml",
    ".xlsb": "an Excel binary workbook (.xlsb); save it as .xlsx next to it and skip the .xlsb in return.yaml",
    ".msg": "an Outlook message (.msg); save its text and attachments into raw/{force}/ and skip the .msg",
    ".eml": "an e-mail (.eml); save its text and attachments into raw/{force}/ and skip the .eml",
}


def _unreadable(force_id: str, source_file: str, sha256: str, file_format: str, code: str,
                message: str, value: str = "") -> FileExtraction:
    extraction = FileExtraction(force_id, source_file, sha256, file_format, kind="unknown")
    extraction.findings.append(Finding("error", code, message, force_id, source_file, value=value))
    return extraction


def extract_file(path: Path, force_id: str, source_file: str, hints: dict | None = None) -> FileExtraction:
    """Read one returned file. Never raises for bad input: a file that cannot be read comes back with
    kind "unknown" and an error finding that names the force, the file and what to do."""
    path = Path(path)
    hints = dict(hints or {})
    try:
        data = path.read_bytes()
    except OSError as error:
        return _unreadable(force_id, source_file, "", "unknown", "unreadable_file",
                           f"{force_id}: {source_file} could not be opened ({error.strerror}); check the file "
                           f"is in raw/{force_id}/ and readable.")
    sha256 = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    file_format = suffix.lstrip(".") or "unknown"
    if hints.get("skip"):
        extraction = FileExtraction(force_id, source_file, sha256, file_format)
        extraction.hints_used = ["skip"]
        extraction.findings.append(Finding("info", "skipped_by_hint", f"{source_file} was not read: return.yaml "
                                           f"says skip.", force_id, source_file))
        return extraction
    if suffix in REFUSED_FORMATS:
        what = REFUSED_FORMATS[suffix].format(force=force_id, name=path.name)
        return _unreadable(force_id, source_file, sha256, file_format, "unsupported_format",
                           f"{force_id}: {source_file} is {what}.")
    reader = READERS.get(suffix)
    if reader is None:
        return _unreadable(force_id, source_file, sha256, file_format, "unsupported_format",
                           f"{force_id}: files ending '{suffix or '(none)'}' cannot be read ({source_file}); "
                           f"ask the force for PDF, XLSX, CSV or DOCX, or convert it and skip this one in "
                           f"return.yaml.")
    try:
        extraction = reader(path, force_id, source_file, sha256, hints)
    except MemoryError:
        raise
    except Exception as error:  # noqa: BLE001 - a file a parser chokes on is a finding, not a crash
        from pipeline.guard import classify_error, load_limits   # the guard's wording for the same failure

        code, detail = classify_error(error)
        return _unreadable(force_id, source_file, sha256, file_format, code,
                           load_limits().message(code, source_file, force_id, detail), detail)
    extraction.hints_used = sorted(k for k in hints if k in {"pages", "sheets", "header_row", "columns",
                                                              "delimiter", "encoding"})
    return extraction


def warm() -> None:
    """Load every reader's data (header synonyms, letter and count phrases, page furniture) and compile its
    patterns now. The guard calls this once in its fork server, so that each worker process, forked from it,
    starts with them instead of parsing the YAML again (~80 ms a process, measured on the scale corpus when a
    process read one file)."""
    from pipeline.extract import counts, furniture, headers, letter, prose

    counts.phrases()
    furniture._settings()
    headers._patterns()
    letter._phrases()
    prose._people_re()
