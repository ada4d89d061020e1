"""Benchmark of the whole flow on the scale corpus: what a run costs, cold and incremental, thread vs Dask.

Prints, side by side, each as seconds, as a ratio to the floor, and with the peak memory two ways: RSS summed
over the process tree (sampled with psutil every 0.1 s; pages a forked child shares count in each process), and
the command's own process alone (the kernel's high-water mark of that process, VmHWM, read at each sample; not
wait4's, which is the largest of the process and every descendant it reaped):

- floor: bare extraction of the same files with pdfplumber / openpyxl / csv / python-docx alone (no Prefect,
  no guard, no validation), on a pool of as many processes as the machine has cores;
- cold run: `foi run` with an empty result cache (thread runner, 4 workers);
- unchanged re-run: the same again (every extraction cached);
- one return changed: one force's CSV re-sent with a reworded case (that force alone is extracted again);
- cold run on half the campaign, two ways: the corpus built with half the copies (every return half as big),
  and the 4 largest force folders with every other one of the rest (about half the returns, each as big, and
  the same largest ones in flight at once): the growth of both peaks from each to the full corpus is printed
  beside the growth of the consolidated case table itself (in memory);
- dask cold: `foi run --task-runner dask` on a 2-worker LocalCluster with an empty result cache.

Every `foi run` is a fresh process that starts Prefect's ephemeral server in an already-migrated PREFECT_HOME,
as `make run` does on a second run; that fixed start-up is measured separately (time to a trivial flow's
first run: fresh PREFECT_HOME, reused PREFECT_HOME, and a long-lived server via PREFECT_API_URL) and shown
next to the flow runs. Run it from the project root:

    .venv/bin/python bench/flow_bench.py                 # full scale corpus (1,025 files, >= 100,000 cases)
    .venv/bin/python bench/flow_bench.py --scale 0.1     # 123 files, >= 10,000 cases
    .venv/bin/python bench/flow_bench.py --scale 0.1 --json bench-results.json
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from scale_corpus import DEFAULT_COPIES, TARGET_CASES, build_scale_corpus  # noqa: E402

CHANGED_FILE = ("sussex", "Sussex FOI 1234-14.csv")  # cp1252 CSV; its first case gets reworded
CHANGED_TEXT = "Posted photographs of a crime scene on Facebook"


@dataclass
class Measure:
    name: str
    seconds: float
    peak_rss_mb: float             # summed over the process tree, sampled
    detail: dict = field(default_factory=dict)
    own_peak_mb: float = 0.0       # the command's own process alone: its VmHWM, last sampled


def _high_water_kb(pid: int) -> int:
    """The process's own peak RSS so far (VmHWM, KiB); 0 once it has exited."""
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


class PeakRss:
    """Peak RSS of a process and all its descendants, sampled in a background thread; and each process's own
    high-water mark (the kernel's VmHWM, which misses nothing but what comes after the last sample).

    Not wait4's ``ru_maxrss``: for a reaped child it is the largest of that child and of every descendant it
    reaped, so a command whose parsing child peaked higher than itself reported the child's peak as its own.
    """

    def __init__(self, pid: int, every: float = 0.1):
        self.root = psutil.Process(pid)
        self.every = every
        self.peak = 0
        self.high_water_kb: dict[int, int] = {}     # pid -> its own VmHWM, last sampled
        self.what: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            total = 0
            try:
                processes = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                processes = []
            for process in processes:
                try:
                    total += process.memory_info().rss
                    if process.pid not in self.what:
                        self.what[process.pid] = " ".join(process.cmdline())[:100]
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                self.high_water_kb[process.pid] = max(self.high_water_kb.get(process.pid, 0),
                                                      _high_water_kb(process.pid))
            self.peak = max(self.peak, total)
            self._stop.wait(self.every)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self) -> float:
        return round(self.peak / 2**20, 1)

    @property
    def own_peak_mb(self) -> float:
        """The root process's own high-water mark, its descendants' not included."""
        return round(self.high_water_kb.get(self.root.pid, 0) / 1024, 1)

    def largest_other(self) -> dict:
        """The descendant with the highest own high-water mark: what it was run as, and that mark."""
        others = {pid: kb for pid, kb in self.high_water_kb.items() if pid != self.root.pid}
        if not others:
            return {}
        pid = max(others, key=others.get)
        return {"what": self.what.get(pid, ""), "own_peak_mb": round(others[pid] / 1024, 1)}


def _measured(name: str, command: list[str], env: dict[str, str], cwd: Path, log: Path) -> Measure:
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        with PeakRss(process.pid) as rss:
            returncode = process.wait()
    seconds = time.perf_counter() - started
    text = log.read_text(errors="replace")
    detail = {"exit": returncode, "log": str(log), "traceback": "Traceback" in text,
              "largest_other_process": rss.largest_other()}
    return Measure(name, round(seconds, 2), rss.peak_mb, detail, rss.own_peak_mb)


# --- the floor: the libraries alone ------------------------------------------------------------------------

def _bare_extract(path: str) -> int:
    """Read one file with its library, the minimum any extractor must do; returns the cells/lines seen."""
    suffix = Path(path).suffix.lower()
    seen = 0
    if suffix == ".pdf":
        import pdfplumber

        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                seen += len((page.extract_text() or "").splitlines())
                seen += sum(len(row) for table in page.extract_tables() for row in table)
    elif suffix == ".xlsx":
        import openpyxl

        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for sheet in workbook.worksheets:
            seen += sum(len(row) for row in sheet.iter_rows(values_only=True))
        workbook.close()
    elif suffix == ".csv":
        data = Path(path).read_bytes()
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        seen += sum(len(row) for row in csv.reader(text.splitlines()))
    elif suffix == ".docx":
        import docx

        document = docx.Document(path)
        seen += len(document.paragraphs)
        seen += sum(len(row.cells) for table in document.tables for row in table.rows)
    return seen


def _bare_worker_warmup(_: int) -> None:
    import docx  # noqa: F401
    import openpyxl  # noqa: F401
    import pdfplumber  # noqa: F401


def floor(raw: Path, workers: int) -> Measure:
    files = sorted(str(p) for p in raw.rglob("*") if p.suffix.lower() in (".pdf", ".xlsx", ".csv", ".docx"))
    me = psutil.Process()
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_bare_worker_warmup, range(workers)))  # imports are not extraction
        with PeakRss(me.pid) as rss:
            started = time.perf_counter()
            seen = sum(pool.map(_bare_extract, files, chunksize=4))
            seconds = time.perf_counter() - started
    return Measure("floor: bare extraction", round(seconds, 2), rss.peak_mb,
                   {"files": len(files), "cells_or_lines": seen, "processes": workers})


# --- Prefect's fixed start-up ------------------------------------------------------------------------------

_STARTUP_PROBE = """
import time
t0 = time.perf_counter()
import os
from pipeline import prefect_env
prefect_env.configure()
from pipeline import prefect_server
server = None
if os.environ.get("FOI_BENCH_EARLY_SERVER"):   # as foi run does: its own server, and no heartbeats on it
    server = prefect_server.start_if_prefect_would()
from prefect import flow
t1 = time.perf_counter()
@flow
def probe():
    return 1
if server is not None:
    server.wait_ready(120)
with prefect_server.flow_settings(server):
    probe()
    t2 = time.perf_counter()
    probe()
    t3 = time.perf_counter()
print(f"{t1 - t0:.3f} {t2 - t1:.3f} {t3 - t2:.3f}")
"""


def prefect_startup(env: dict[str, str], home: Path, label: str) -> Measure:
    """import prefect; first flow run (starts the ephemeral server unless PREFECT_API_URL is set); a second."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _STARTUP_PROBE], env={**env, "PREFECT_HOME": str(home)},
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    total = time.perf_counter() - started
    try:
        imported, first, second = (float(x) for x in done.stdout.split()[-3:])
    except ValueError:
        return Measure(label, round(total, 2), 0.0, {"error": done.stderr[-2000:]})
    return Measure(label, round(first, 2), 0.0, {"import_prefect_s": imported, "second_flow_s": second,
                                                 "process_total_s": round(total, 2),
                                                 "traceback": "Traceback" in done.stderr})


def start_long_lived_server(env: dict[str, str], home: Path, port: int = 4291) -> tuple[subprocess.Popen, str]:
    import httpx

    server = subprocess.Popen([str(Path(sys.executable).with_name("prefect")), "server", "start", "--host",
                               "127.0.0.1", "--port", str(port), "--no-ui"],
                              env={**env, "PREFECT_HOME": str(home)}, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return server, url
        except httpx.HTTPError:
            time.sleep(0.5)
    server.kill()
    raise RuntimeError("prefect server start did not answer within 180 s")


# --- the runs ----------------------------------------------------------------------------------------------

def _latest_forces(reports: Path) -> list[dict]:
    """The forces of the latest run's validation.json (none if no run wrote one)."""
    path = reports / "latest" / "validation.json"
    return json.loads(path.read_text(encoding="utf-8"))["forces"] if path.is_file() else []


def _extraction_counts(reports: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for force in _latest_forces(reports):
        if force.get("source_files"):
            counts[force.get("extraction") or "none"] = counts.get(force.get("extraction") or "none", 0) + 1
    return counts


def _published_cases(out: Path) -> int | None:
    path = out / "cases.csv"
    if not path.is_file():
        return None
    with path.open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.DictReader(handle))


def flow_run(name: str, work: Path, raw: Path, env: dict[str, str], tag: str, runner: str = "thread") -> Measure:
    out, reports = work / f"published-{tag}", work / f"reports-{tag}"
    command = [sys.executable, "-m", "pipeline.cli", "run", "--raw", str(raw), "--out", str(out),
               "--reports", str(reports), "--review", "", "--task-runner", runner]
    measure = _measured(name, command, env, ROOT, work / f"{name.replace(' ', '-')}.log")
    measure.detail.update({"extraction": _extraction_counts(reports), "published_cases": _published_cases(out)})
    return measure


def change_one_return(raw: Path) -> None:
    path = raw.joinpath(*CHANGED_FILE)
    text = path.read_bytes().decode("cp1252")
    path.write_bytes(text.replace(CHANGED_TEXT, f"{CHANGED_TEXT} (re-sent {time.time_ns()})", 1).encode("cp1252"))


def _table_mb(published: Path) -> float:
    """The consolidated case table as the flow holds it (Arrow-backed strings), deep size in MB."""
    import pandas as pd

    frame = pd.read_parquet(published / "cases.parquet", dtype_backend="pyarrow")
    return float(frame.memory_usage(deep=True).sum()) / 2**20


def memory_growth(smaller: Measure, full: Measure, work: Path, tag: str) -> dict:
    """How much more memory the full cold run took than ``smaller``'s, beside how much the table itself grew:
    summed over the process tree, and in `foi run`'s own process."""
    table = _table_mb(work / "published-thread") - _table_mb(work / f"published-{tag}")
    peak = full.peak_rss_mb - smaller.peak_rss_mb
    own = full.own_peak_mb - smaller.own_peak_mb
    cases = (full.detail.get("published_cases") or 0) - (smaller.detail.get("published_cases") or 0)
    comparable = cases > 0 and table >= 1
    return {"from": smaller.name, "peak_rss_mb": round(peak, 1), "own_peak_mb": round(own, 1),
            "table_mb": round(table, 1), "cases": cases,
            "ratio": round(peak / table, 2) if comparable else None,
            "own_ratio": round(own / table, 2) if comparable else None}


def rows_read(reports: Path) -> dict[str, int]:
    """Rows read per force, from the latest run's validation.json."""
    return {force["force_id"]: force.get("rows_read") or 0 for force in _latest_forces(reports)}


IN_FLIGHT = 4   # flows.MAX_WORKERS: the returns `foi run` reads or maps at once (tests pin the two together)


def half_the_forces(raw: Path, out: Path, rows: dict[str, int] | None = None, keep_largest: int = IN_FLIGHT) -> int:
    """The ``keep_largest`` largest force folders of ``raw`` and every other one of the rest, into ``out``: about
    half the returns, each as big as before, and the same largest returns in flight at once.

    With ``rows`` (rows read per force) in order of size from the largest; without, by name. This measure is of
    the number of returns, and what reading and mapping takes is set by the largest returns in flight together:
    by name order the largest (Metropolitan, 19,941 rows) was left out, and every other one by size still left
    out the 2nd and 4th largest. Then the half's `foi run` held 223 of pymalloc's 1 MiB arenas at the end of
    extraction, against 251 for the full corpus and 254 with the four largest kept (2026-12-07, bench/README.md).
    """
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    folders = sorted(p for p in raw.iterdir() if p.is_dir())
    if rows:
        folders.sort(key=lambda p: -rows.get(p.name, 0))    # stable: equal sizes stay in name order
    for folder in folders[:keep_largest] + folders[keep_largest:][::2]:
        shutil.copytree(folder, out / folder.name)
    return sum(1 for p in out.rglob("*") if p.is_file() and p.name != "return.yaml")


def _table(measures: list[Measure], floor_s: float, startup_s: float) -> str:
    lines = [f"{'measure':44} {'seconds':>9} {'x floor':>8} {'peak RSS MB':>12} {'own peak MB':>12}  detail"]
    for m in measures:
        ratio = f"{m.seconds / floor_s:8.2f}" if floor_s else f"{'-':>8}"
        own = f"{m.own_peak_mb:12.1f}" if m.own_peak_mb else f"{'-':>12}"
        detail = {k: v for k, v in m.detail.items() if k not in ("log",)}
        lines.append(f"{m.name:44} {m.seconds:9.2f} {ratio} {m.peak_rss_mb:12.1f} {own}  {json.dumps(detail)}")
    lines.append(f"{'floor + Prefect start-up (reused home)':44} {floor_s + startup_s:9.2f} "
                 f"{(floor_s + startup_s) / floor_s if floor_s else 0:8.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full scale corpus")
    parser.add_argument("--work", default=None, help="work folder (default: a new temporary folder)")
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument("--skip-server", action="store_true", help="do not start a long-lived prefect server")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args(argv)

    work = Path(args.work or tempfile.mkdtemp(prefix="foi-flow-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    copies = max(1, round(DEFAULT_COPIES * args.scale))
    corpus = build_scale_corpus(work / "raw", copies=copies, target_cases=round(TARGET_CASES * args.scale))
    print(f"scale corpus: {corpus.files} files, {corpus.cases} cases in {corpus.forces} force folders "
          f"(copies={corpus.copies}, row factor={corpus.row_factor}), built in {corpus.seconds} s; work: {work}",
          flush=True)

    base_env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    base_env.update({"PYTHONPATH": str(ROOT), "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
                     "PREFECT_LOGGING_LEVEL": "WARNING"})
    home = work / "prefect-home"

    startup = [prefect_startup(base_env, work / "prefect-home-fresh", "Prefect start-up: fresh PREFECT_HOME"),
               prefect_startup(base_env, work / "prefect-home-fresh", "Prefect start-up: reused PREFECT_HOME")]
    no_migrate = {**base_env, "PREFECT_API_DATABASE_MIGRATE_ON_START": "false",
                  "PREFECT_API_BLOCKS_REGISTER_ON_START": "false"}
    startup.append(prefect_startup(no_migrate, work / "prefect-home-fresh",
                                   "Prefect start-up: reused home, no migrate/blocks"))
    if not args.skip_server:
        # stopped as soon as it is measured: an idle server's services take ~10% of a core, which would be
        # charged to the floor and to every run below
        server, url = start_long_lived_server(base_env, work / "prefect-home-server")
        try:
            startup.append(prefect_startup({**base_env, "PREFECT_API_URL": url}, work / "prefect-home-client",
                                           "Prefect start-up: long-lived server"))
        finally:
            server.terminate()
            server.wait(timeout=30)
    early = prefect_startup({**base_env, "FOI_BENCH_EARLY_SERVER": "1"}, work / "prefect-home-fresh",
                            "foi run's start-up: server before import")
    startup.append(early)
    prefect_startup(base_env, home, "migrate the bench's home")  # the runs below reuse a migrated home
    for m in startup:
        print(f"{m.name}: first flow {m.seconds} s ({json.dumps(m.detail)})", flush=True)

    floor_m = floor(work / "raw", os.cpu_count() or 2)
    print(f"{floor_m.name}: {floor_m.seconds} s", flush=True)
    env = {**base_env, "PREFECT_HOME": str(home),
           "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(work / "results-thread")}
    runs = [flow_run("cold run (thread, 4)", work, work / "raw", env, "thread")]
    print(f"{runs[-1].name}: {runs[-1].seconds} s", flush=True)
    runs.append(flow_run("unchanged re-run", work, work / "raw", env, "thread"))
    print(f"{runs[-1].name}: {runs[-1].seconds} s", flush=True)
    change_one_return(work / "raw")
    runs.append(flow_run("one return changed", work, work / "raw", env, "thread"))
    print(f"{runs[-1].name}: {runs[-1].seconds} s", flush=True)
    # memory against the size of the campaign, cold, two ways: half the files in every force's return (each
    # return half as big), and about half the force folders, the IN_FLIGHT largest kept (each return as big as
    # in the full corpus)
    half_forces = half_the_forces(work / "raw", work / "raw-half-forces", rows_read(work / "reports-thread"))
    smaller = {"half-forces": (f"cold run, half the forces, the {IN_FLIGHT} largest kept ({half_forces} files)",
                               work / "raw-half-forces")}
    if copies >= 2:
        half = build_scale_corpus(work / "raw-half-files", copies=copies // 2, row_factor=corpus.row_factor)
        smaller["half-files"] = (f"cold run, half the files in each return ({half.files})", work / "raw-half-files")
    for tag, (name, smaller_raw) in smaller.items():
        smaller_env = {**env, "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(work / f"results-{tag}")}
        runs.append(flow_run(name, work, smaller_raw, smaller_env, tag))
        print(f"{runs[-1].name}: {runs[-1].seconds} s", flush=True)
    if not args.skip_dask:
        dask_env = {**env, "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(work / "results-dask")}
        runs.append(flow_run("cold run (dask, 2 workers)", work, work / "raw", dask_env, "dask", "dask"))
        print(f"{runs[-1].name}: {runs[-1].seconds} s", flush=True)

    reused = next(m for m in startup if m.name.endswith("reused PREFECT_HOME"))
    print()
    print(_table([floor_m, *runs, *startup], floor_m.seconds, reused.seconds))
    cold, unchanged = runs[0].seconds, runs[1].seconds
    print()
    print(f"unchanged re-run / cold run: {unchanged / cold:.1%} (target < 15%)")
    print(f"cold run / (floor + start-up): {cold / (floor_m.seconds + reused.seconds):.2f} (target <= 1.5)")
    print(f"  the same with the start-up foi run pays (its server booted while Prefect is imported): "
          f"{cold / (floor_m.seconds + early.seconds):.2f}")
    growth = [memory_growth(next(m for m in runs if m.name == name), runs[0], work, tag)
              for tag, (name, _) in smaller.items()]
    for grown in growth:
        print(f"memory, {grown['from'].removeprefix('cold run, ')} -> all: peak RSS {grown['peak_rss_mb']:+.0f} MB "
              f"summed, {grown['own_peak_mb']:+.0f} MB in foi run's own process, for {grown['cases']:+} cases; the "
              f"consolidated case table itself {grown['table_mb']:+.0f} MB in memory (target: no growth beyond "
              f"it; ratios {grown['ratio']} summed, {grown['own_ratio']} own)")
    if args.json:
        Path(args.json).write_text(json.dumps({"corpus": asdict(corpus), "floor": asdict(floor_m),
                                               "runs": [asdict(m) for m in runs],
                                               "startup": [asdict(m) for m in startup],
                                               "memory_growth": growth}, indent=2))
    if args.work is None:
        for corpus_dir in ("raw", "raw-half-files", "raw-half-forces"):
            shutil.rmtree(work / corpus_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
