"""Small real extractors for the guard tests (module level, so a child process can import them).

They open files with the real libraries and return ``FileExtraction`` s; they know nothing of limits.
"""

from __future__ import annotations

import csv
import re
import time
from pathlib import Path

from pipeline.records import ExtractedRow, FileExtraction


def _extraction(path: Path, force_id: str, source_file: str, file_format: str, grid: list[list[str]],
                locator) -> FileExtraction:
    extraction = FileExtraction(force_id, source_file, "", file_format, kind="table" if grid else "unknown")
    for number, cells in enumerate(grid[1:], start=1):
        extraction.rows.append(ExtractedRow(force_id, source_file, "", locator(number),
                                            cells={"breach": cells[2] if len(cells) > 2 else ""},
                                            raw_text=" | ".join(cells)))
    return extraction


def pdf_table(path: Path, force_id: str, source_file: str, hints: dict | None) -> FileExtraction:
    import pdfplumber

    grid = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            for table in page.extract_tables():
                grid.extend([(cell or "").replace("\n", " ") for cell in row] for row in table)
    return _extraction(path, force_id, source_file, "pdf", grid, lambda n: f"page 1, table 1, row {n}")


def xlsx_table(path: Path, force_id: str, source_file: str, hints: dict | None) -> FileExtraction:
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        grid = [["" if value is None else str(value) for value in row] for row in sheet.iter_rows(values_only=True)]
        title = sheet.title
    finally:
        workbook.close()
    return _extraction(path, force_id, source_file, "xlsx", grid, lambda n: f"'{title}'!A{n + 1}:D{n + 1}")


def docx_table(path: Path, force_id: str, source_file: str, hints: dict | None) -> FileExtraction:
    import docx

    document = docx.Document(str(path))
    grid = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]
    return _extraction(path, force_id, source_file, "docx", grid, lambda n: f"table 1, row {n}")


def csv_table(path: Path, force_id: str, source_file: str, hints: dict | None) -> FileExtraction:
    with open(path, newline="", encoding="utf-8", errors="replace") as handle:
        grid = list(csv.reader(handle))
    return _extraction(path, force_id, source_file, "csv", grid, lambda n: f"row {n + 1}")


BY_SUFFIX = {".pdf": pdf_table, ".xlsx": xlsx_table, ".docx": docx_table, ".csv": csv_table, ".xls": csv_table}


def by_suffix(path: Path, force_id: str, source_file: str, hints: dict | None) -> FileExtraction:
    """What a registry by extension does: trusts the name it is given."""
    reader = BY_SUFFIX.get(path.suffix.lower())
    if reader is None:
        return FileExtraction(force_id, source_file, "", path.suffix.lstrip("."), kind="unknown")
    return reader(path, force_id, source_file, hints)


# --- Misbehaving work for run_limited -------------------------------------------------------------


def backtrack(length: int) -> bool:
    """Catastrophic regex backtracking: C code that holds the GIL, so no thread timeout can stop it."""
    return re.match(r"(a+)+$", "a" * length + "b") is not None


def allocate(megabytes: int) -> int:
    block = bytearray(megabytes * 1024 * 1024)
    return len(block)


def sleep_then(seconds: float, value: str) -> str:
    time.sleep(seconds)
    return value


def child_memory() -> dict[str, int]:
    """VmSize / VmRSS / VmPeak (kB) of the process, read from /proc."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in {"VmSize", "VmRSS", "VmPeak"}:
            fields[key] = int(value.split()[0])
    return fields


def fail(message: str) -> None:
    raise ValueError(message)


def crash() -> None:
    import os
    import signal

    os.kill(os.getpid(), signal.SIGSEGV)


def broken_extractor(path: Path, force_id: str, source_file: str, hints: dict | None) -> FileExtraction:
    return 1 + "row"  # an extractor bug


def endless_extractor(path: Path, force_id: str, source_file: str, hints: dict | None) -> FileExtraction:
    backtrack(60)
    return FileExtraction(force_id, source_file, "", "csv")


def greedy_extractor(path: Path, force_id: str, source_file: str, hints: dict | None) -> FileExtraction:
    allocate(4096)
    return FileExtraction(force_id, source_file, "", "csv")


def library_choke_extractor(path: Path, force_id: str, source_file: str, hints: dict | None) -> FileExtraction:
    """A parser library raising an error of no special type on what it was given (pdfminer does this)."""
    from openpyxl.utils.cell import column_index_from_string

    column_index_from_string("A1")
    return FileExtraction(force_id, source_file, "", "xlsx")


def cpu_allowance() -> tuple[float, int]:
    """CPU seconds this process may still use before its soft limit ends it, and its hard limit."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return soft - (usage.ru_utime + usage.ru_stime), hard


def pid() -> int:
    import os

    return os.getpid()


_calls = 0


def memory_error_after_the_first_call() -> str:
    """Fits in a new process only: stands for a file that a heap used by earlier files could not hold."""
    global _calls
    _calls += 1
    if _calls > 1:
        raise MemoryError
    return "fitted"


def guard_from_a_daemon(path: str, results) -> None:
    """What a Dask worker does: guarded extraction from a daemonic process."""
    import multiprocessing

    from pipeline.guard import guarded_extract

    extraction = guarded_extract(Path(path), "west-mercia", "west-mercia/response.csv", None, csv_table)
    results.put((multiprocessing.current_process().daemon, extraction.kind, len(extraction.rows),
                 [f.code for f in extraction.findings]))
