"""Measure what the guard costs and which bounds it really enforces.

Run from tests/:  ../.venv/bin/python -c "from hostile.bench import main; main()"
(not ``-m hostile.bench``: a module main is re-imported in every child, which would be measured too)
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from hostile import builders, extractors

from pipeline.guard import guarded_extract, load_limits, precheck, run_limited


def timed(function, *args, repeat: int = 5, **keywords):
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function(*args, **keywords)
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    limits = load_limits()
    folder = Path(tempfile.mkdtemp(prefix="foi-bench-"))
    print(f"limits: timeout {limits.timeout_s:g} s, memory {limits.memory_mb:g} MB, "
          f"zip {limits.max_zip_uncompressed_mb:g} MB / ratio {limits.max_zip_ratio:g}")

    run_limited(len, "warm", limits=limits, label="warm-up")  # starts the fork server
    spent, memory = timed(run_limited, extractors.child_memory, limits=limits, label="memory")
    print(f"child start + return (fork server warm): {spent * 1000:.1f} ms; child at start {memory}")

    for name, builder, reader in [
        ("pdf", builders.table_pdf, extractors.pdf_table),
        ("xlsx", builders.table_xlsx, extractors.xlsx_table),
        ("docx", builders.table_docx, extractors.docx_table),
        ("csv", builders.table_csv, extractors.csv_table),
    ]:
        path = builder(folder)
        direct, _ = timed(reader, path, "x", "x/f", None)
        guarded, _ = timed(guarded_extract, path, "x", "x/f", None, reader, limits)
        print(f"{name:5} direct {direct * 1000:7.1f} ms   guarded {guarded * 1000:7.1f} ms")

    for seconds in (1, 2, 5):
        bounded = limits.with_(timeout_s=seconds)
        spent, outcome = timed(run_limited, extractors.backtrack, 60, limits=bounded, label="regex", repeat=3)
        print(f"timeout {seconds} s: returned after {spent:.3f} s ({outcome.limit})")

    for megabytes in (512, 1024, 1536):
        bounded = limits.with_(memory_mb=megabytes)
        largest = 0
        for size in range(64, 4096, 64):
            if run_limited(extractors.allocate, size, limits=bounded, label="alloc") != size * 2**20:
                break
            largest = size
        print(f"memory {megabytes} MB: largest single allocation that fit {largest} MB")

    bomb = builders.zip_bomb_xlsx(folder, "bomb.xlsx")
    spent, finding = timed(precheck, bomb, limits)
    print(f"zip bomb ({bomb.stat().st_size // 1024} KB -> 210 MB): pre-check {spent * 1000:.1f} ms -> {finding.code}")
    started = time.perf_counter()
    outcome = run_limited(extractors.xlsx_table, bomb, "x", "x/bomb.xlsx", None, limits=limits, label="bomb")
    print(f"zip bomb opened by openpyxl anyway (no pre-check), in the child: {time.perf_counter() - started:.1f} s"
          f" -> {outcome if not hasattr(outcome, 'rows') else 'read'}")
    huge = builders.huge_sheet_xlsx(folder, "huge.xlsx")
    spent, finding = timed(precheck, huge, limits)
    print(f"100,001-row sheet: pre-check {spent * 1000:.1f} ms -> {finding.code}")
    pdf = builders.huge_pdf(folder, "huge.pdf")
    spent, extraction = timed(guarded_extract, pdf, "x", "x/huge.pdf", None, extractors.pdf_table, limits, repeat=3)
    print(f"501-page PDF: guarded {spent:.2f} s -> {extraction.findings[0].code}")


if __name__ == "__main__":
    main()
