"""Build the scale corpus: the sample corpus in raw/ replicated to >= 1,000 returned files and >= 100,000 cases.

``raw/`` has one folder per force (the flow runs one task per force), so the corpus grows *inside* the force
folders: every returned file of the sample corpus is kept, and ``copies`` copies of it are added under distinct
names (``<stem> (copy 007)<ext>``). PDF and DOCX copies are byte-identical to their original. CSV and XLSX copies
have their block of case rows repeated ``row_factor`` times (the rows of a case table, located with the ground
truth's locators; the title block, header, totals and notes around it are kept), so 100,000 cases do not need
tens of thousands of PDFs. ``return.yaml`` files are copied unchanged.

Default: ``copies=24`` (41 returned files in 40 force folders -> 41 x 25 = 1,025 files) and the smallest
``row_factor`` that gives at least 100,000 cases, computed from the ground truth (for the sample corpus
of 2026-11-23, 793 case rows: row factor 12, 106,945 cases; about 15 s to build). ``--scale F`` multiplies both
``copies`` and the case target by F (0.25: 6 copies, 287 files, >= 25,000 cases).

    .venv/bin/python bench/scale_corpus.py --out /tmp/foi-scale/raw            # full size
    .venv/bin/python bench/scale_corpus.py --out /tmp/foi-scale/raw --scale 0.25
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import re
import shutil
import sys
import time
from collections import defaultdict
from copy import copy
from dataclasses import asdict, dataclass
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "raw"
GROUND_TRUTH_CASES = ROOT / "tests" / "ground_truth" / "cases.csv"
DEFAULT_COPIES = 24
TARGET_CASES = 100_000
_SHEET_ROW = re.compile(r"^'?(?P<sheet>.*?)'?!\$?[A-Z]+\$?(?P<row>\d+)")
_CSV_ROW = re.compile(r"^row (?P<row>\d+)$")


@dataclass
class ScaleCorpus:
    """What was built: where, how many files and cases (by the ground truth's count), how long it took."""

    raw: str
    copies: int
    row_factor: int
    files: int
    cases: int
    forces: int
    seconds: float


def _ground_truth(truth_csv: Path) -> tuple[dict[str, int], dict[str, dict[str, list[int]]]]:
    """Cases per source_file, and for CSV/XLSX: sheet ('' for CSV) -> the 1-based rows that hold cases."""
    counts: dict[str, int] = defaultdict(int)
    rows: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    with truth_csv.open(encoding="utf-8", newline="") as handle:
        for case in csv.DictReader(handle):
            counts[case["source_file"]] += 1
            locator = case["locator"]
            if match := _CSV_ROW.match(locator):
                rows[case["source_file"]][""].append(int(match["row"]))
            elif match := _SHEET_ROW.match(locator):
                rows[case["source_file"]][match["sheet"]].append(int(match["row"]))
    return counts, rows


def _copy_name(path: Path, number: int) -> str:
    return f"{path.stem} (copy {number:03d}){path.suffix}"


def _csv_dialect(data: bytes) -> tuple[str, str, str]:
    """(encoding, delimiter, line ending) of a sample CSV, so the copy is the same kind of export."""
    if data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    else:
        try:
            data.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            encoding = "cp1252"
    first_line = data.split(b"\n", 1)[0]
    delimiter = ";" if first_line.count(b";") > first_line.count(b",") else ","
    ending = "\r\n" if b"\r\n" in data else "\n"
    return encoding, delimiter, ending


def _repeat_span(records: list, rows: list[int], factor: int) -> list:
    """Records with the span first..last case row (1-based, blank rows inside kept) repeated ``factor`` times."""
    first, last = min(rows) - 1, max(rows)
    return records[:last] + records[first:last] * (factor - 1) + records[last:]


def grow_csv(source: Path, target: Path, rows: list[int], factor: int) -> int:
    """Write ``source`` to ``target`` with its case rows repeated; returns the cases in ``target``."""
    data = source.read_bytes()
    encoding, delimiter, ending = _csv_dialect(data)
    records = list(csv.reader(io.StringIO(data.decode(encoding), newline=""), delimiter=delimiter))
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator=ending).writerows(_repeat_span(records, rows, factor))
    target.write_bytes(out.getvalue().encode(encoding))
    return len(rows) * factor


def grow_xlsx(source: Path, target: Path, rows_by_sheet: dict[str, list[int]], factor: int) -> int:
    """Write ``source`` to ``target`` with each sheet's case rows repeated (values and cell styles)."""
    workbook = openpyxl.load_workbook(source)
    for sheet_name, rows in rows_by_sheet.items():
        sheet = workbook[sheet_name]
        first, last = min(rows), max(rows)
        span = last - first + 1
        width = sheet.max_column
        block = [[(cell.value, cell._style) for cell in sheet[r][:width]] for r in range(first, last + 1)]
        if sheet.max_row > last:  # totals and notes below the table move down; merges are all above it
            sheet.move_range(f"A{last + 1}:{openpyxl.utils.get_column_letter(width)}{sheet.max_row}",
                             rows=span * (factor - 1))
        for repeat in range(1, factor):
            for offset, line in enumerate(block):
                for column, (value, style) in enumerate(line, start=1):
                    cell = sheet.cell(row=last + 1 + (repeat - 1) * span + offset, column=column)
                    cell.value = value
                    cell._style = copy(style)
    workbook.save(target)
    return sum(len(rows) for rows in rows_by_sheet.values()) * factor


def row_factor_for(target_cases: int, copies: int, truth_csv: Path = GROUND_TRUTH_CASES) -> int:
    """The smallest row factor giving ``target_cases``: case rows in PDF/DOCX copy as they are, CSV/XLSX grow."""
    counts, rows = _ground_truth(truth_csv)
    growing = sum(len(r) for sheets in rows.values() for r in sheets.values())
    fixed = sum(counts.values()) - growing
    missing = target_cases - fixed * (1 + copies) - growing
    return max(1, math.ceil(missing / (growing * copies))) if growing and copies else 1


def build_scale_corpus(out: Path, copies: int = DEFAULT_COPIES, row_factor: int | None = None,
                       raw: Path = RAW, truth_csv: Path = GROUND_TRUTH_CASES,
                       target_cases: int = TARGET_CASES) -> ScaleCorpus:
    """Replace ``out`` with the sample corpus plus ``copies`` grown copies of every returned file."""
    started = time.perf_counter()
    if row_factor is None:
        row_factor = row_factor_for(target_cases, copies, truth_csv)
    case_counts, case_rows = _ground_truth(truth_csv)
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(raw, out)
    files = cases = 0
    forces = 0
    for folder in sorted(p for p in out.iterdir() if p.is_dir()):
        originals = sorted(p for p in folder.iterdir()
                           if p.is_file() and p.name not in ("return.yaml", "README.md") and not p.name.startswith("."))
        forces += 1
        for original in originals:
            source_file = f"{folder.name}/{original.name}"
            rows = case_rows.get(source_file, {})
            own_cases = case_counts.get(source_file, 0)
            files += 1 + copies
            cases += own_cases
            suffix = original.suffix.lower()
            if suffix in (".csv", ".xlsx") and own_cases != sum(len(r) for r in rows.values()):
                raise ValueError(f"{source_file}: ground-truth locators do not give every case row")
            for number in range(1, copies + 1):
                target = folder / _copy_name(original, number)
                if rows and suffix == ".csv":
                    cases += grow_csv(original, target, rows[""], row_factor)
                elif rows and suffix == ".xlsx":
                    cases += grow_xlsx(original, target, rows, row_factor)
                else:
                    shutil.copyfile(original, target)
                    cases += own_cases
    return ScaleCorpus(str(out), copies, row_factor, files, cases, forces, round(time.perf_counter() - started, 2))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="/tmp/foi-scale/raw", help="folder to (re)create")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full size (copies x scale)")
    parser.add_argument("--row-factor", type=int, default=None, help="default: enough for the case target")
    args = parser.parse_args(argv)
    copies = max(1, round(DEFAULT_COPIES * args.scale))
    built = build_scale_corpus(Path(args.out), copies=copies, row_factor=args.row_factor,
                               target_cases=round(TARGET_CASES * args.scale))
    print(json.dumps(asdict(built), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
