"""Resilience: a read that fails with an I/O error is retried and then reported, a bad file is not retried,
one force's failure never stops the others, and a run killed half-way leaves published/ as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import RAW, ROOT

pytestmark = pytest.mark.slow

FORCES = ("sussex", "metropolitan", "durham", "northumbria", "essex")
PUBLISHED_FILES = ("cases.csv", "forces.csv", "cases.parquet", "forces.parquet", "foi_dataset.xlsx",
                   "datapackage.json", "README.md")


def _copy_forces(raw: Path, forces=FORCES) -> None:
    for force_id in forces:
        shutil.copytree(RAW / force_id, raw / force_id)


def _digests(folder: Path) -> dict[str, str]:
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in PUBLISHED_FILES}


def _run_in_process(base: Path):
    """The flow's final state (so the test can read its task runs) and its return value."""
    import flows

    state = flows.consolidate_returns(raw_dir=str(base / "raw"), out_dir=str(base / "published"),
                                      reports_dir=str(base / "reports"), review_path=None, return_state=True)
    return state, state.result()


def _extract_task_runs(flow_run_id, expected: int) -> dict[str, tuple[str, int]]:
    """force_id -> (final state name, run_count) of every extract task of one flow run, from Prefect's API."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    deadline = time.monotonic() + 30  # task runs reach the API as events, written a moment later
    with get_client(sync_client=True) as client:
        while True:
            runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
            found = {run.name.removeprefix("extract-"): (run.state.name, run.run_count)
                     for run in runs if run.name.startswith("extract-") and run.state and run.state.is_final()}
            if len(found) == expected or time.monotonic() > deadline:
                return found
            time.sleep(0.5)


def _force_record(outcome: dict, force_id: str) -> dict:
    report = json.loads((Path(outcome["report"]).parent / "validation.json").read_text(encoding="utf-8"))
    return next(f for f in report["forces"] if f["force_id"] == force_id)


def test_a_file_that_cannot_be_read_is_retried_then_reported_and_the_others_publish(prefect_server, tmp_path):
    _copy_forces(tmp_path / "raw")
    (tmp_path / "raw" / "durham" / "Response 1406745.pdf").unlink()
    # A file whose every read fails with EIO, as a dying disk or a vanished network share does.
    (tmp_path / "raw" / "durham" / "Response 1406745.pdf").symlink_to("/proc/self/mem")
    state, outcome = _run_in_process(tmp_path)
    runs = _extract_task_runs(state.state_details.flow_run_id, len(FORCES))
    assert runs["durham"] == ("Failed", 3)  # first try + the two retries (1 s, 4 s apart)
    durham = _force_record(outcome, "durham")
    assert durham["response_status"] == "unreadable"
    assert any(f["code"] == "return_failed" and "OSError" in f["message"] for f in durham["findings"])
    assert outcome["published"] is True
    assert outcome["statuses"]["responded"] == 3


def test_a_corrupt_file_is_not_retried(prefect_server, tmp_path):
    _copy_forces(tmp_path / "raw", ("durham", "sussex"))
    (tmp_path / "raw" / "durham" / "Response 1406745.pdf").write_bytes(b"%PDF-1.4\n not a pdf at all")
    state, outcome = _run_in_process(tmp_path)
    runs = _extract_task_runs(state.state_details.flow_run_id, 2)
    assert runs["durham"] == ("Completed", 1)
    assert outcome["statuses"]["responded"] == 1
    durham = _force_record(outcome, "durham")
    assert any(f["severity"] == "error" and "durham/Response 1406745.pdf" in f["message"]
               for f in durham["findings"])


def _api_env() -> dict[str, str]:
    """The environment of a child `foi run` that talks to this session's test server (no start-up of its own)."""
    from prefect.settings import PREFECT_API_URL

    return {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "PYTHONPATH": str(ROOT)}


def _done_forces(lines: list[str]) -> list[str]:
    """Forces with files that the run reported done (its progress lines: '[ 7/43] sussex: responded, ...')."""
    return [force_id for line in lines for force_id in FORCES if f"] {force_id}: " in line]


def test_a_run_killed_while_extracting_leaves_published_as_it_was_and_the_next_run_completes(
        prefect_server, tmp_path):
    _copy_forces(tmp_path / "raw")
    _, before = _run_in_process(tmp_path)
    assert before["published"] is True
    published_before = _digests(tmp_path / "published")
    # New content everywhere, so the next run must extract (nothing cached) and would publish new bytes.
    for path in (tmp_path / "raw").rglob("*"):
        if path.is_file() and path.suffix in (".pdf", ".docx", ".xlsx", ".csv"):
            shutil.copyfile(path, path.with_name(f"{path.stem} (re-sent){path.suffix}"))
    child = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "run", "--raw", str(tmp_path / "raw"),
         "--out", str(tmp_path / "published"), "--reports", str(tmp_path / "reports"), "--review", ""],
        cwd=tmp_path, env=_api_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)
    seen = []
    deadline = time.monotonic() + 90
    try:
        for line in child.stdout:  # the first force with files done: the others are still being read
            seen.append(line)
            if _done_forces(seen) or time.monotonic() > deadline:
                break
    finally:
        os.killpg(child.pid, signal.SIGKILL)  # the child and its parsing processes
        child.wait(timeout=30)
    assert 1 <= len(_done_forces(seen)) < len(FORCES), "".join(seen)
    assert not any(line.startswith("Published") for line in seen)
    assert _digests(tmp_path / "published") == published_before

    _, after = _run_in_process(tmp_path)
    assert after["published"] is True
    assert after["cases"] == 2 * before["cases"]
    assert _digests(tmp_path / "published") != published_before


def test_a_publish_that_fails_fails_the_run_and_latest_stays_on_the_last_good_run(prefect_server, tmp_path):
    import flows
    from pipeline.aside import AsideError
    from pipeline.report import resolve_run_dir

    _copy_forces(tmp_path / "raw", ("durham", "essex"))
    _, good = _run_in_process(tmp_path)
    good_run = resolve_run_dir(tmp_path / "reports")
    (tmp_path / "blocked").write_text("a file where published/'s parent should be")
    with pytest.raises(AsideError, match="stage_outputs failed in its process"):
        flows.consolidate_returns(raw_dir=str(tmp_path / "raw"), out_dir=str(tmp_path / "blocked" / "published"),
                                  reports_dir=str(tmp_path / "reports"), review_path=None)
    assert good["published"] is True
    assert resolve_run_dir(tmp_path / "reports") == good_run
