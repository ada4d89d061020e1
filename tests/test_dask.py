"""The flow on Dask (prefect-dask, a two-worker local cluster) publishes the same bytes as on the thread pool.

The Dask run is `foi run --task-runner dask` in a subprocess (a LocalCluster starts worker processes, which
is cleaner from a fresh interpreter than from inside pytest); it talks to this session's Prefect test server.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import RAW, ROOT

pytestmark = pytest.mark.slow

# A table in each format: CSV, XLSX with a PDF letter, ruled PDF, DOCX, sheet-per-year XLSX, and a refusal.
FORCES = ("sussex", "metropolitan", "durham", "northumbria", "west-yorkshire", "essex")
PUBLISHED_FILES = ("cases.csv", "forces.csv", "cases.parquet", "forces.parquet", "foi_dataset.xlsx",
                   "datapackage.json", "README.md")


def _digests(folder: Path) -> dict[str, str]:
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in PUBLISHED_FILES}


@pytest.fixture(scope="module")
def runs(prefect_server, tmp_path_factory):
    from prefect.settings import PREFECT_API_URL

    import flows

    base = tmp_path_factory.mktemp("dask")
    for force_id in FORCES:
        shutil.copytree(RAW / force_id, base / "raw" / force_id)
    thread = flows.consolidate_returns(raw_dir=str(base / "raw"), out_dir=str(base / "published-thread"),
                                       reports_dir=str(base / "reports-thread"), review_path=None)
    # Its own result storage: nothing cached, so every extraction runs on the Dask workers.
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "PYTHONPATH": str(ROOT),
           "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(base / "dask-results")}
    dask = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "run", "--task-runner", "dask", "--raw", str(base / "raw"),
         "--out", str(base / "published-dask"), "--reports", str(base / "reports-dask"), "--review", ""],
        cwd=base, env=env, capture_output=True, text=True, timeout=300)
    return base, thread, dask


def test_dask_run_publishes(runs):
    _, thread, dask = runs
    assert dask.returncode == 0, dask.stdout + dask.stderr
    assert f"Published {thread['total']} cases" in dask.stdout and "from 43 forces" in dask.stdout


def test_every_extraction_ran_on_dask_not_from_the_cache(runs):
    base, _, dask = runs
    assert dask.returncode == 0, dask.stdout + dask.stderr
    report = json.loads((base / "reports-dask" / "latest" / "validation.json").read_text(encoding="utf-8"))
    extraction = {f["force_id"]: f.get("extraction") for f in report["forces"] if f["source_files"]}
    assert extraction == {force_id: "fresh" for force_id in FORCES}


def test_dask_and_thread_runners_publish_identical_bytes(runs):
    base, _, dask = runs
    assert dask.returncode == 0, dask.stdout + dask.stderr
    assert _digests(base / "published-dask") == _digests(base / "published-thread")


def test_dask_run_prints_no_traceback_and_no_cluster_chatter(runs):
    _, _, dask = runs
    output = dask.stdout + dask.stderr
    assert "Traceback" not in output, output[-4000:]
    assert "distributed." not in output, output[-4000:]  # no log lines of the scheduler and workers


def test_a_dask_rerun_with_one_changed_return_reads_only_that_return(runs):
    """The others' mapped outcomes are cached: on Dask too they are loaded as they are, with no extraction."""
    from tests.test_incremental import _edit_sussex_csv

    base, _, dask = runs
    assert dask.returncode == 0, dask.stdout + dask.stderr
    raw = base / "raw-changed"
    shutil.copytree(base / "raw", raw)
    _edit_sussex_csv(raw, "re-sent")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(base / "dask-results")}
    from prefect.settings import PREFECT_API_URL

    env["PREFECT_API_URL"] = PREFECT_API_URL.value()
    rerun = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "run", "--task-runner", "dask", "--raw", str(raw),
         "--out", str(base / "published-dask-rerun"), "--reports", str(base / "reports-dask-rerun"), "--review", ""],
        cwd=base, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "Traceback" not in rerun.stdout + rerun.stderr
    report = json.loads((base / "reports-dask-rerun" / "latest" / "validation.json").read_text(encoding="utf-8"))
    extraction = {f["force_id"]: f.get("extraction") for f in report["forces"] if f["source_files"]}
    assert extraction == {force_id: "fresh" if force_id == "sussex" else "cached" for force_id in FORCES}
    cases = (base / "published-dask-rerun" / "cases.csv").read_text(encoding="utf-8")
    assert "Posted photographs of a crime scene on Facebook (re-sent)" in cases
    assert _digests(base / "published-dask-rerun")["forces.csv"] == _digests(base / "published-dask")["forces.csv"]
