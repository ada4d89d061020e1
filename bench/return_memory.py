"""One force return's memory in ``foi run``'s own process, stage by stage (tracemalloc).

A run's own peak follows the largest returns in flight (bench/README.md, 2026-12-07), so what one large return
costs at each stage is what a memory change has to move. This reads one return as the flow does
(``extract_return``: each file in a guard child, its rows sent back and their texts shared), stores and loads
it with the extract task's serializer, then runs ``process_return`` on it with each of its stages measured:

- held: what the stage leaves allocated (the return's rows, after a ``gc.collect()``);
- peak: the most allocated during the stage, above what was held when it started.

Each figure is also given per row and as a ratio to the rows held, side by side in one run. tracemalloc sees
Python's allocations only: Arrow's buffers (the case frames' strings) are not in these figures; the cold-run
A/B in bench/README.md measures the whole process.

    .venv/bin/python bench/scale_corpus.py --out /tmp/scale/raw
    .venv/bin/python bench/return_memory.py --raw /tmp/scale/raw [--force metropolitan]

On the scale corpus the default is Metropolitan: 50 files, 19,941 rows.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("split_rows", "validate_extracted", "normalise_rows", "read_count_rows", "decide_status",
          "cell_locators", "validate_cases")   # the names pipeline.process calls them by, in order
MIB = 2 ** 20


def _traced(action):
    """(what ``action()`` gave, its peak above the start, what it left allocated, seconds)."""
    start = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    began = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - began
    end, peak = tracemalloc.get_traced_memory()
    return result, peak - start, end - start, seconds


def _measured(module, name: str, figures: list) -> None:
    """Wrap ``module.name`` so each call appends (name, peak above the start, still allocated after)."""
    original = getattr(module, name)

    def measured(*args, **kwargs):
        result, peak, kept, _ = _traced(lambda: original(*args, **kwargs))
        figures.append((name, peak, kept))
        return result

    setattr(module, name, measured)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, required=True)
    parser.add_argument("--force", help="force id (default: the return with the most files)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))

    from pipeline import memory

    memory.configure_process()
    import pipeline.process as process
    from pipeline.result_serializer import CompressedPickle
    from pipeline.returns import discover_returns
    from pipeline.vocabulary import load_vocabulary

    folders, _ = discover_returns(args.raw)
    folder = (next(f for f in folders if f.force_id == args.force) if args.force
              else max(folders, key=lambda f: len(f.files)))
    vocabulary = load_vocabulary(None)
    serializer = CompressedPickle()

    tracemalloc.start()
    lines = []     # (what, peak, held, seconds)

    def stage(what: str, action):
        gc.collect()
        result, peak, kept, seconds = _traced(action)
        lines.append((what, peak, kept, seconds))
        return result

    extractions = stage("extract_return (rows received and shared)", lambda: process.extract_return(folder))
    rows = sum(len(e.rows) for e in extractions)
    held = lines[0][2]
    blob = stage("store: the extract task's serializer", lambda: serializer.dumps(extractions))
    del extractions
    extractions = stage("load it back", lambda: serializer.loads(blob))
    process.process_return(folder, extractions, vocabulary)      # the vocabulary's memo warmed, as in a run
    outcome = stage("process_return (all its stages)", lambda: process.process_return(folder, extractions,
                                                                                       vocabulary))
    figures: list = []    # then once more, each stage measured on its own (their resets would spoil the whole's)
    originals = {name: getattr(process, name) for name in STAGES}
    try:
        for name in STAGES:
            _measured(process, name, figures)
        gc.collect()
        process.process_return(folder, extractions, vocabulary)
    finally:
        for name, stage_function in originals.items():
            setattr(process, name, stage_function)
        tracemalloc.stop()

    print(f"{folder.force_id}: {len(folder.files)} files, {rows:,} rows, {folder.total_bytes / MIB:.1f} MiB of "
          f"files; stored record {len(blob) / MIB:.1f} MiB; {len(outcome.cases):,} cases published")
    print(f"{'stage':46s} {'peak MiB':>9s} {'held MiB':>9s} {'peak B/row':>11s} {'peak/rows held':>15s} "
          f"{'seconds':>8s}")

    def line(what, peak, kept, seconds=None):
        per_row = peak / rows if rows else 0
        ratio = peak / held if held else 0
        secs = f"{seconds:8.2f}" if seconds is not None else f"{'':8s}"
        print(f"{what:46s} {peak / MIB:9.1f} {kept / MIB:9.1f} {per_row:11.0f} {ratio:15.2f} {secs}")

    for what, peak, kept, seconds in lines:
        line(what, peak, kept, seconds)
        if what.startswith("process_return"):
            for name, stage_peak, stage_kept in figures:
                line(f"  {name}", stage_peak, stage_kept)
    print("peak: above what was allocated when the stage began; held: still allocated when it ended. "
          "Python allocations only (tracemalloc), not Arrow's buffers.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
