"""publish() and write_report() alone on a consolidated scale corpus: seconds and peak memory.

The flow's last two steps scale with the cases, not with what changed. This builds the consolidated result of
a raw folder once (every file read with ``extract_file`` directly, on a process pool: the same rows as the
flow without the guard's child process per file), keeps it in a pickle, then times each step in a fresh
process: ``publish`` into an empty folder, and ``write_report`` for the run after an unchanged one (so the
snapshot diff runs over every case). Peak memory is the RSS above the process's level before the step,
sampled every 20 ms.

    .venv/bin/python bench/scale_corpus.py --out /tmp/scale/raw
    .venv/bin/python bench/publish_bench.py --raw /tmp/scale/raw [--work /tmp/publish-bench] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import pickle
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUN_ID, NEXT_RUN_ID = "20261123T000000000000Z", "20261124T000000000000Z"


def _extract_return(folder):
    from pipeline.extract import extract_file

    return [extract_file(path, folder.force_id, f"{folder.force_id}/{path.name}",
                         folder.manifest.hints_for(path.name)) for path in folder.files]


def consolidated(raw: Path, work: Path):
    """The Consolidation of ``raw`` (cached in ``work``) and the gate."""
    cached = work / "consolidated.pickle"
    if cached.is_file():
        loaded = pickle.loads(cached.read_bytes())
        return loaded["result"], loaded["gate"]
    from pipeline.process import consolidate, process_return, review_findings
    from pipeline.returns import discover_returns
    from pipeline.validate import load_gate
    from pipeline.vocabulary import load_vocabulary

    folders, findings = discover_returns(raw)
    with ProcessPoolExecutor(2) as pool:
        extracted = list(pool.map(_extract_return, folders))
    review = ROOT / "review" / "decisions.csv"
    vocabulary, gate = load_vocabulary(review if review.is_file() else None), load_gate()
    outcomes = [process_return(f, e, vocabulary, gate) for f, e in zip(folders, extracted)]
    findings += review_findings(str(review) if review.is_file() else None)
    result = consolidate(outcomes, findings, run_id=RUN_ID, started_at="2026-11-23T00:00:00+00:00", raw_dir=raw,
                         published_dir=work / "published", gate=gate)
    cached.write_bytes(pickle.dumps({"result": result, "gate": gate}))
    return result, gate


def measure(step: str, work: Path) -> dict:
    """One step in this process: seconds and the peak RSS above the level before it."""
    import psutil

    from pipeline.publish import publish
    from pipeline.report import write_report

    result, gate = consolidated(Path(), work)
    out = work / step
    if out.exists():
        shutil.rmtree(out)
    if step == "write_report":    # the previous run, not measured: the next one compares every case with it
        write_report(result.run, result.cases, out, quarantined=result.quarantined, gate=gate)
    process = psutil.Process()
    before = process.memory_info().rss
    samples, done = [before], threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append(process.memory_info().rss)
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.perf_counter()
    if step == "publish":
        publish(result.cases, result.forces, out)
    else:
        write_report(replace(result.run, run_id=NEXT_RUN_ID), result.cases, out, quarantined=result.quarantined,
                     gate=gate)
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    return {"step": step, "cases": len(result.cases), "failures": len(result.run.failures), "seconds": seconds,
            "peak_mb": (max(samples) - before) / 1e6}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, help="raw folder (a scale corpus); not needed once --work holds it")
    parser.add_argument("--work", type=Path, default=Path("/tmp/publish-bench"))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--step", choices=("publish", "write_report"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    if args.step:
        print(json.dumps(measure(args.step, args.work)))
        return 0
    if not (args.work / "consolidated.pickle").is_file():
        if args.raw is None:
            parser.error("--raw is needed the first time (no consolidated.pickle in --work)")
        started = time.perf_counter()
        result, _ = consolidated(args.raw, args.work)
        print(f"consolidated {len(result.cases):,} cases in {time.perf_counter() - started:.0f} s")
    print(f"{'step':<14}{'cases':>10}{'failures':>10}{'seconds':>10}{'peak MB':>10}")
    for _ in range(args.repeat):
        for step in ("publish", "write_report"):
            done = subprocess.run([sys.executable, __file__, "--work", str(args.work), "--step", step],
                                  capture_output=True, text=True, check=True, cwd=ROOT)
            row = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"{row['step']:<14}{row['cases']:>10,}{row['failures']:>10,}{row['seconds']:>10.1f}"
                  f"{row['peak_mb']:>10,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
