"""``foi run`` starts Prefect's temporary API server itself, before Prefect is imported, only where Prefect would
have started its ephemeral one, and leaves no server behind when it exits."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from tests.conftest import RAW, ROOT, child_prefect_env

pytestmark = pytest.mark.slow


# Prefect's own ephemeral server, and the temporary one foi run starts (Prefect's app, drained before it stops)
_SERVER_APPS = ("prefect.server.api.server:create_app", "pipeline.server_app:create_app")


def _servers_of(home: Path) -> list[psutil.Process]:
    """Prefect API server processes still running on this Prefect home."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        try:
            command = " ".join(process.info["cmdline"] or [])
            if any(app in command for app in _SERVER_APPS) and process.environ().get("PREFECT_HOME") == str(home):
                found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


_DECISIONS = """
import json, os, sys
from pathlib import Path
from pipeline import prefect_server

def decide(**env):
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        server = prefect_server.start_if_prefect_would()
        return None if server is None else server.api_url
    finally:
        os.environ.clear(); os.environ.update(saved)

home = Path(os.environ["PREFECT_HOME"])
decisions = {"api_url_exported": decide(PREFECT_API_URL="http://127.0.0.1:4200/api"),
             "ephemeral_mode_off": decide(PREFECT_SERVER_ALLOW_EPHEMERAL_MODE="false")}
(home / "profiles.toml").write_text('[profiles.local]\\nPREFECT_API_URL = "http://127.0.0.1:4200/api"\\n')
decisions["api_url_in_profile"] = decide()
(home / "profiles.toml").unlink()
server = prefect_server.start_if_prefect_would()
decisions["started"] = os.environ["PREFECT_API_URL"] == server.api_url
server.wait_ready(120)
import urllib.request
with urllib.request.urlopen(server.api_url + "/health") as response:
    decisions["health"] = response.status
decisions["prefect_imported_before_ready"] = "prefect" in sys.modules
process = server.process
server.stop()
decisions["exit_after_stop"] = process.poll() is not None
print(json.dumps(decisions))
"""


def test_the_server_is_started_only_where_prefect_would_start_its_own_and_stops_on_request(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    done = subprocess.run([sys.executable, "-c", _DECISIONS], env=child_prefect_env(home), cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    decisions = json.loads(done.stdout.strip().splitlines()[-1])
    assert decisions == {"api_url_exported": None, "ephemeral_mode_off": None, "api_url_in_profile": None,
                         "started": True, "health": 200, "prefect_imported_before_ready": False,
                         "exit_after_stop": True}
    assert _servers_of(home) == []


def test_an_importing_program_keeps_its_own_prefect_settings():
    import prefect  # noqa: F401 - this test process has Prefect, and its test server, already

    from pipeline import prefect_server

    assert prefect_server.start_if_prefect_would() is None


def test_foi_run_on_its_own_server_publishes_quietly_and_leaves_no_server_running(tmp_path):
    home, raw = tmp_path / "home", tmp_path / "raw"
    for force_id in ("durham", "essex"):
        shutil.copytree(RAW / force_id, raw / force_id)
    done = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", "--raw", str(raw), "--out",
                           str(tmp_path / "published"), "--reports", str(tmp_path / "reports"), "--review", ""],
                          env=child_prefect_env(home), cwd=tmp_path, capture_output=True, text=True, timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    assert (tmp_path / "published" / "cases.csv").is_file()
    document = json.loads((tmp_path / "reports" / "latest" / "validation.json").read_text(encoding="utf-8"))
    assert document["run"]["published"] is True
    assert _servers_of(home) == []
    with sqlite3.connect(home / "prefect.db") as database:   # the run's own record, kept by the server it used
        events = dict(database.execute("select event, count(*) from events group by event").fetchall())
        task_states = dict(database.execute("select state_type, count(*) from task_run group by state_type").fetchall())
    assert events.get("prefect.flow-run.Completed") == 1, events
    # whole: the server recorded every event before it stopped, not only those its services had reached
    assert set(task_states) == {"COMPLETED"}, task_states
    assert task_states["COMPLETED"] == events.get("prefect.task-run.Completed"), (task_states, events)
    assert "prefect.flow-run.heartbeat" not in events, events   # nothing would read it: the server is gone


def test_a_server_that_does_not_answer_in_time_is_a_clear_error_and_is_stopped(tmp_path):
    home, raw = tmp_path / "home", tmp_path / "raw"
    shutil.copytree(RAW / "durham", raw / "durham")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", "--raw", str(raw), "--out",
                           str(tmp_path / "published")],
                          env=child_prefect_env(home, PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="0"), cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "did not answer" in done.stderr and "Nothing was read or published" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "published").exists()
    assert _servers_of(home) == []
    assert time.monotonic() - started < 60


@pytest.mark.skipif(sys.platform != "linux", reason="the parent-death signal is Linux's")
def test_a_foi_run_stopped_by_sigterm_takes_its_server_with_it(tmp_path):
    home, raw = tmp_path / "home", tmp_path / "raw"
    shutil.copytree(RAW / "durham", raw / "durham")
    run = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "run", "--raw", str(raw), "--out",
                            str(tmp_path / "published"), "--reports", str(tmp_path / "reports")],
                           env=child_prefect_env(home), cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not _servers_of(home) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _servers_of(home), "the run's server never started"
    command = _servers_of(home)[0].cmdline()
    health = f"http://127.0.0.1:{command[command.index('--port') + 1]}/api/health"
    while time.monotonic() < deadline:      # stopped once the flow can run, not while the server boots
        try:
            if httpx.get(health, timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    time.sleep(1)
    assert run.poll() is None, "the run ended before it could be stopped"
    run.send_signal(signal.SIGTERM)
    run.wait(timeout=60)
    deadline = time.monotonic() + 30
    while _servers_of(home) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _servers_of(home) == []


def test_a_server_that_cannot_start_names_its_error_and_keeps_its_output_out_of_the_run(tmp_path):
    home, raw = tmp_path / "home", tmp_path / "raw"
    shutil.copytree(RAW / "durham", raw / "durham")
    unopenable = f"sqlite+aiosqlite:///{tmp_path}/no-such-folder/prefect.db"
    done = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", "--raw", str(raw), "--out",
                           str(tmp_path / "published")],
                          env=child_prefect_env(home, PREFECT_API_DATABASE_CONNECTION_URL=unopenable), cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "exited with status" in done.stderr and "unable to open database file" in done.stderr, done.stderr
    assert str(home / "temporary-server.log") in done.stderr
    assert "Traceback" not in done.stderr               # the server's traceback is in its log, not the run's
    assert "Traceback" in (home / "temporary-server.log").read_text(encoding="utf-8")
    assert not (tmp_path / "published").exists()


_HANGING_APP = '''
import asyncio

async def app(scope, receive, send):
    """Starts, then never finishes shutting down: what a graceful shutdown with no time limit can do."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await asyncio.sleep(600)
'''

_ORPHANING_PARENT = '''
import os, socket, subprocess, sys, time
main, app_dir, port = sys.argv[1:]
server = subprocess.Popen([sys.executable, "-c", main, "--app-dir", app_dir, "hanging:app", "--port", port,
                           "--lifespan", "on", "--log-level", "error"],
                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    try:
        socket.create_connection(("127.0.0.1", int(port)), timeout=1).close()
        break
    except OSError:
        time.sleep(0.1)
print(server.pid, flush=True)
os._exit(0)          # gone without stopping it, as a run killed by a signal is
'''


def test_a_server_left_behind_by_its_run_ends_within_seconds_even_if_it_will_not_shut_down(tmp_path):
    from pipeline import prefect_server

    (tmp_path / "hanging.py").write_text(_HANGING_APP, encoding="utf-8")
    parent = subprocess.run([sys.executable, "-c", _ORPHANING_PARENT, prefect_server._SERVER_MAIN, str(tmp_path),
                             str(prefect_server._free_port())], capture_output=True, text=True, timeout=60)
    orphaned = time.monotonic()
    server = psutil.Process(int(parent.stdout.split()[0]))
    assert server.is_running() and server.ppid() != os.getpid()
    try:
        server.wait(timeout=prefect_server.STOP_GRACE_S + 10)
    except psutil.TimeoutExpired:
        server.kill()
        raise AssertionError("the orphaned server was still running 10 s after its grace ended") from None
    assert prefect_server.STOP_GRACE_S - 1 < time.monotonic() - orphaned < prefect_server.STOP_GRACE_S + 10
