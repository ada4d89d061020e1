"""Scheduled runs: `foi serve` against a real, long-lived `prefect server start`, and its advice without one.

The server runs in a subprocess on a free loopback port with its own PREFECT_HOME; `foi serve` serves the
deployment in another; the test triggers a run through Prefect's client and waits for it to complete. Every
wait is time-boxed; both subprocesses are killed (with their children) at the end.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import RAW, child_prefect_env

pytestmark = pytest.mark.slow

SERVER_START_S = 120
DEPLOYMENT_S = 90
RUN_S = 180


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _env(tmp_path: Path, api_url: str | None) -> dict[str, str]:
    return child_prefect_env(tmp_path / "prefect-home", **({"PREFECT_API_URL": api_url} if api_url else {}))


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)


def _wait_for(what: str, check, seconds: float, process: subprocess.Popen | None = None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"{what}: the process exited with {process.returncode}")
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"{what}: not within {seconds} s")


def test_foi_serve_without_a_server_says_what_to_do(tmp_path):
    done = subprocess.run([sys.executable, "-m", "pipeline.cli", "serve", "--cron", "0 6 * * 1"],
                          cwd=tmp_path, env=_env(tmp_path, None), capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "prefect server start" in done.stderr
    assert "export PREFECT_API_URL=http://127.0.0.1:4200/api" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_foi_serve_with_a_bad_cron_says_so(tmp_path):
    done = subprocess.run([sys.executable, "-m", "pipeline.cli", "serve", "--cron", "every monday"],
                          cwd=tmp_path, env=_env(tmp_path, "http://127.0.0.1:9/api"), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2
    assert "'every monday' is not a cron expression" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.fixture
def prefect_server_process(tmp_path):
    """A real `prefect server start` on a free loopback port; yields its API URL."""
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("prefect")), "server", "start", "--host", "127.0.0.1",
         "--port", str(port), "--no-ui"],
        cwd=tmp_path, env=_env(tmp_path, None), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def healthy() -> bool:
        try:
            return httpx.get(f"{api_url}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        _wait_for("prefect server start", healthy, SERVER_START_S, server)
        yield api_url
    finally:
        _stop(server)
        log.close()


def test_served_deployment_runs_to_completion_on_a_real_server(prefect_server_process, tmp_path):
    api_url = prefect_server_process
    for force_id in ("durham", "sussex"):
        shutil.copytree(RAW / force_id, tmp_path / "raw" / force_id)
    serve_log = (tmp_path / "serve.log").open("w")
    serving = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "serve", "--cron", "0 6 * * 1", "--raw", str(tmp_path / "raw"),
         "--out", str(tmp_path / "published"), "--reports", str(tmp_path / "reports")],
        cwd=tmp_path, env=_env(tmp_path, api_url), stdout=serve_log, stderr=subprocess.STDOUT,
        start_new_session=True)
    try:
        with httpx.Client(base_url=api_url, timeout=10) as api:
            def deployment():
                response = api.get("/deployments/name/foi-consolidate/weekly")
                return response.json() if response.status_code == 200 else None

            served = _wait_for("the served deployment", deployment, DEPLOYMENT_S, serving)
            assert served["schedules"][0]["schedule"]["cron"] == "0 6 * * 1"
            def created():   # the SQLite-backed server can answer a write with a transient error
                response = api.post(f"/deployments/{served['id']}/create_flow_run", json={})
                return response.json() if response.status_code in (200, 201) else None

            flow_run = _wait_for("a flow run of the deployment", created, 30, serving)

            def finished():
                state = api.get(f"/flow_runs/{flow_run['id']}").json()["state"]
                return state if state["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") else None

            state = _wait_for("the triggered flow run", finished, RUN_S, serving)
        assert state["type"] == "COMPLETED", (tmp_path / "serve.log").read_text()
        assert (tmp_path / "published" / "cases.csv").is_file()
        cases = (tmp_path / "published" / "cases.csv").read_text(encoding="utf-8").splitlines()
        assert len(cases) == 1 + 1 + 28  # header, Durham's one case, Sussex's 28
        serving.send_signal(signal.SIGTERM)  # as systemd or docker stop it
        assert serving.wait(timeout=120) == 0  # seconds when quiet; a loaded 2-core machine took over 30
        log = (tmp_path / "serve.log").read_text()
        assert "foi serve: stopped" in log
        assert "Traceback" not in log and "never awaited" not in log
    finally:
        _stop(serving)
        serve_log.close()
