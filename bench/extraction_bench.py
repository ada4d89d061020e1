"""Extraction bench: recall and precision of case rows against tests/ground_truth/cases.csv, and time per
page or sheet, for our extractor and, side by side, for bare pdfplumber ``extract_tables()``.

A ground-truth case counts as recovered when a row with the same file holds the same verbatim breach and
outcome texts (and locator, for our extractor). Precision: rows found that match a ground-truth case.
Bare pdfplumber has no idea of a header, so for it a case is recovered when some row of some table holds
both texts as cells; every non-empty table row it returns counts as a row found.

    .venv/bin/python bench/extraction_bench.py [--raw raw] [--truth tests/ground_truth/cases.csv] [--pdf-only]

Then the same for the test corpus of layouts built by code (tests/layouts, TABLE_LAYOUTS), where a case is
recovered when a row has its locator and every expected cell verbatim.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import pdfplumber
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.extract import extract_file  # noqa: E402
from pipeline.extract.grid import clean_cell  # noqa: E402


def _units(path: Path) -> int:
    """Pages of a PDF, sheets of a workbook, 1 for anything else."""
    if path.suffix.lower() == ".pdf":
        with pdfplumber.open(path) as pdf:
            return len(pdf.pages)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        workbook = load_workbook(path, read_only=True)
        count = len(workbook.sheetnames)
        workbook.close()
        return count
    return 1


def _bare_pdfplumber(path: Path) -> list[list[str]]:
    rows = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            for table in page.extract_tables():
                rows += [[clean_cell(c) for c in row] for row in table if any(row)]
            page.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=ROOT / "raw")
    parser.add_argument("--truth", type=Path, default=ROOT / "tests" / "ground_truth" / "cases.csv")
    parser.add_argument("--pdf-only", action="store_true")
    args = parser.parse_args(argv)

    truth: dict[str, list[dict]] = defaultdict(list)
    with args.truth.open(encoding="utf-8-sig", newline="") as handle:
        for case in csv.DictReader(handle):
            truth[case["source_file"]].append(case)

    totals = {"ours": Counter(), "bare": Counter()}
    by_format: dict[str, Counter] = defaultdict(Counter)
    print(f"{'file':58} {'units':>5} {'truth':>5} | {'ours rec':>8} {'prec':>5} {'ms/unit':>8} | "
          f"{'bare rec':>8} {'prec':>5} {'ms/unit':>8}")
    for path in sorted(p for p in args.raw.rglob("*")
                       if p.is_file() and p.parent != args.raw and p.name != "return.yaml"):
        source = path.relative_to(args.raw).as_posix()
        fmt = path.suffix.lower().lstrip(".")
        if args.pdf_only and fmt != "pdf":
            continue
        cases = truth.get(source, [])
        units = _units(path)
        started = time.perf_counter()
        extraction = extract_file(path, source.split("/")[0], source)
        ours_ms = (time.perf_counter() - started) * 1000
        # case rows only: count cells and prose answers (issue 9) are another grain
        extraction.rows = [r for r in extraction.rows if r.cells and r.context.get("grain", "case") == "case"]
        wanted = Counter((c["locator"], c["breach_text"], c["outcome_text"]) for c in cases)
        found = Counter((r.locator, r.cells.get("breach", ""), r.cells.get("outcome", "")) for r in extraction.rows)
        hit = sum((wanted & found).values())
        line = (f"{source[:58]:58} {units:5d} {len(cases):5d} | {hit:4d}/{len(cases):<3d} "
                f"{hit / max(len(extraction.rows), 1):5.2f} {ours_ms / units:8.1f} | ")
        t = totals["ours"]
        t.update(truth=len(cases), hit=hit, found=len(extraction.rows), units=units, ms=ours_ms)
        by_format[fmt].update(truth=len(cases), hit=hit, found=len(extraction.rows), units=units, ms=ours_ms)
        if fmt == "pdf":
            started = time.perf_counter()
            rows = _bare_pdfplumber(path)
            bare_ms = (time.perf_counter() - started) * 1000
            pairs = [set(row) for row in rows]
            bare_hit = sum(1 for c in cases if any({c["breach_text"], c["outcome_text"]} <= row for row in pairs))
            bare_good = sum(1 for row in pairs if any({c["breach_text"], c["outcome_text"]} <= row for c in cases))
            totals["bare"].update(truth=len(cases), hit=bare_hit, found=len(rows), good=bare_good, units=units,
                                  ms=bare_ms)
            line += f"{bare_hit:4d}/{len(cases):<3d} {bare_good / max(len(rows), 1):5.2f} {bare_ms / units:8.1f}"
        print(line)

    print()
    for fmt, t in sorted(by_format.items()):
        print(f"{fmt:5}: recall {t['hit']}/{t['truth']}, precision {t['hit']}/{t['found']}, "
              f"{t['ms'] / max(t['units'], 1):.1f} ms per page/sheet over {t['units']}")
    o, b = totals["ours"], totals["bare"]
    print(f"ours, all files: recall {o['hit']}/{o['truth']} = {o['hit'] / max(o['truth'], 1):.3f}, "
          f"precision {o['hit']}/{o['found']} = {o['hit'] / max(o['found'], 1):.3f}, "
          f"{o['ms'] / max(o['units'], 1):.1f} ms per page/sheet")
    if b["units"]:
        print(f"bare pdfplumber extract_tables(), PDFs only: recall {b['hit']}/{b['truth']} = "
              f"{b['hit'] / max(b['truth'], 1):.3f}, precision {b['good']}/{b['found']} = "
              f"{b['good'] / max(b['found'], 1):.3f} (texts only, no locators), "
              f"{b['ms'] / max(b['units'], 1):.1f} ms per page")
    layouts_bench()
    return 0


def layouts_bench() -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from layouts import TABLE_LAYOUTS

    print("\ntest corpus (tests/layouts):")
    print(f"{'layout':34} {'units':>5} | {'ours rec':>8} {'prec':>5} {'ms/unit':>8} | {'bare rec':>8} {'prec':>5} "
          f"{'ms/unit':>8}")
    totals = {"ours": Counter(), "bare": Counter()}
    with tempfile.TemporaryDirectory() as folder:
        for build in TABLE_LAYOUTS:
            layout = build(Path(folder))
            units = _units(layout.path)
            started = time.perf_counter()
            extraction = extract_file(layout.path, "bench", layout.path.name)
            ours_ms = (time.perf_counter() - started) * 1000
            rows = [r for r in extraction.rows if r.cells]
            got = [{"locator": r.locator, **r.cells, **{f"context.{k}": v for k, v in r.context.items()}}
                   for r in rows]
            hit = sum(1 for want in layout.rows if any(all(g.get(k) == v for k, v in want.items()) for g in got))
            totals["ours"].update(truth=len(layout.rows), hit=hit, found=len(rows), units=units, ms=ours_ms)
            line = (f"{build.__name__:34} {units:5d} | {hit:4d}/{len(layout.rows):<3d} {hit / max(len(rows), 1):5.2f} "
                    f"{ours_ms / units:8.1f} | ")
            if layout.path.suffix == ".pdf":
                started = time.perf_counter()
                bare = [set(row) for row in _bare_pdfplumber(layout.path)]
                bare_ms = (time.perf_counter() - started) * 1000
                pairs = [{w["breach"], w["outcome"]} if "breach" in w else {w["year"], w["count"]}
                         for w in layout.rows]   # a count cell is found when its year and number share a row
                bare_hit = sum(1 for pair in pairs if any(pair <= row for row in bare))
                good = sum(1 for row in bare if any(pair <= row for pair in pairs))
                totals["bare"].update(truth=len(pairs), hit=bare_hit, found=len(bare), good=good, units=units,
                                      ms=bare_ms)
                line += f"{bare_hit:4d}/{len(pairs):<3d} {good / max(len(bare), 1):5.2f} {bare_ms / units:8.1f}"
            print(line)
    o, b = totals["ours"], totals["bare"]
    print(f"ours, test corpus: recall {o['hit']}/{o['truth']}, precision {o['hit']}/{o['found']}, "
          f"{o['ms'] / max(o['units'], 1):.1f} ms per page/sheet")
    print(f"bare pdfplumber, test-corpus PDFs: recall {b['hit']}/{b['truth']}, precision {b['good']}/{b['found']}, "
          f"{b['ms'] / max(b['units'], 1):.1f} ms per page")


if __name__ == "__main__":
    raise SystemExit(main())
