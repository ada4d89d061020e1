"""Prefect's temporary API server for one ``foi run``, started before Prefect is even imported.

With no ``PREFECT_API_URL``, Prefect starts its ephemeral server when the flow first needs the API: it imports
``prefect.server.api.server`` in this process (1.4 s of CPU, only to reach the class that launches the server),
then waits while the server process imports the same and opens the database (3.3 s). Measured on an unchanged
re-run of the scale corpus, that was 4.9 s of a 12.1 s run, with this process idle for 3.3 s of it. Started
here first, the same server (Prefect's own command line and environment) boots on the other core while this
process imports Prefect, pandas and the pipeline; the flow then talks to it through ``PREFECT_API_URL``.

Used only where Prefect would have started its ephemeral server: no API URL exported, none in the
profile, and Prefect not yet imported here (an importing program keeps its own settings).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit)\b.*:")
DRAIN_LIMIT_S = 4    # the server waits this long at most for its unrecorded events (``pipeline.server_app``)
STOP_GRACE_S = 10   # DRAIN_LIMIT_S, the 5 s Prefect allows its ephemeral server to stop, and 1 s to spare
SERVER_ENV = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}


# The server's process: uvicorn as ``python -m uvicorn`` runs it, plus a thread that ends the process 10 s after
# ``foi run`` is gone. The parent-death SIGTERM (``_die_with_parent``) starts uvicorn's graceful shutdown, which
# has no time limit: in one full test run the server of a run stopped by SIGTERM was still there 30 s later.
# ``stop`` allows a server ``STOP_GRACE_S`` before it kills it; an orphaned one now gets the same. Its app is
# Prefect's, drained of unrecorded events before it stops (``pipeline.server_app``, at most ``DRAIN_LIMIT_S``).
_SERVER_MAIN = """
import os, sys, threading, time
STOP_GRACE_S = %d
parent = os.getppid()
def _exit_when_orphaned():
    while os.getppid() == parent:
        time.sleep(0.5)
    time.sleep(STOP_GRACE_S)
    os._exit(0)
threading.Thread(target=_exit_when_orphaned, daemon=True).start()
sys.argv[0] = "uvicorn"
from uvicorn.main import main
main()
""" % STOP_GRACE_S


class ServerStartError(RuntimeError):
    pass


class TemporaryServer:
    """One uvicorn process serving Prefect's API on loopback, stopped when this process exits."""

    def __init__(self, log_path: Path) -> None:
        self.process: subprocess.Popen | None = None
        self.port: int | None = None
        self.log_path = log_path
        self._ready = False
        self._spawn()
        # registered before Prefect is imported, so it runs after Prefect's own exit handlers (atexit is last in,
        # first out): its log and event workers still reach the server while they drain
        atexit.register(self.stop)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def _spawn(self) -> None:
        self.port = _free_port()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        # its output goes to a file, not to the run's terminal: a server stopped before it recorded the run's
        # last events (its drain's ``DRAIN_LIMIT_S`` ran out) logs "Error flushing N events" with a CancelledError
        # traceback, and a normal run prints no tracebacks
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _SERVER_MAIN, "--app-dir", _prefect_dir(), "--factory",
                 "pipeline.server_app:create_app", "--host", "127.0.0.1", "--port", str(self.port),
                 "--log-level", "error", "--lifespan", "on"],
                env={**os.environ, **SERVER_ENV}, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent if sys.platform == "linux" else None)

    def wait_ready(self, timeout_s: float) -> None:
        """Return once the API answers its health check; a clear error if the server exits or never answers."""
        deadline = time.monotonic() + timeout_s
        while not self._ready:
            status = self.process.poll()
            if status is not None:
                # a port the kernel had just given out, taken again before uvicorn bound it, shows as status 3
                raise ServerStartError(f"Prefect's temporary API server on port {self.port} exited with status "
                                       f"{status} before it answered: {self.last_error()} (its whole output: "
                                       f"{self.log_path})")
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as response:
                    self._ready = response.status == 200
            except (urllib.error.URLError, OSError):
                pass
            if not self._ready:
                if time.monotonic() > deadline:
                    raise ServerStartError(f"Prefect's temporary API server did not answer on {self.api_url} "
                                           f"within {timeout_s:.0f} s (PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"
                                           f"; its output is in {self.log_path})")
                time.sleep(0.05)

    def last_error(self) -> str:
        """The exception line of the server's output (the last one that names an error), else its last line."""
        try:
            lines = [line.strip() for line in self.log_path.read_text(encoding="utf-8", errors="replace")
                     .splitlines() if line.strip()]
        except OSError:
            return "no output"
        errors = [line for line in lines if EXCEPTION_LINE.match(line)]
        return (errors or lines or ["no output"])[-1]

    def stop(self) -> None:
        """As Prefect stops its ephemeral server: terminate, time to finish (``STOP_GRACE_S``), then kill."""
        process, self.process = self.process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def flow_settings(server: TemporaryServer | None):
    """Prefect settings for a flow run on ``server``: no flow-run heartbeats, where the server is this one.

    A heartbeat lets a long-lived server mark a run that died as crashed; the temporary server dies with the
    run, so nothing reads them. The engine's heartbeat thread sleeps in 1 s steps and is joined at the end of
    the flow: measured, a trivial flow took 1.07 s with it and 0.07 s without. Anywhere else Prefect's setting
    stands. Imports Prefect: call it once Prefect may be imported.
    """
    if server is None:
        return contextlib.nullcontext()
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    return temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})


def _die_with_parent() -> None:
    """In the server's process before it runs: SIGTERM to it when ``foi run`` dies.

    A SIGTERM (a scheduler's stop, a worker's cancel) ends ``foi run`` without its exit handlers: Prefect's
    flow engine reports the crash and re-raises the signal. Prefect's own ephemeral server is orphaned then,
    and so was this one (measured: both left running with parent 1). Safe here: spawned before Prefect is
    imported, this process has one thread, the one that lives until it exits.
    """
    import ctypes
    import signal

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)   # 1 = PR_SET_PDEATHSIG


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _prefect_dir() -> str:
    """The folder holding the ``prefect`` package (uvicorn's --app-dir), found without importing Prefect."""
    import importlib.util

    spec = importlib.util.find_spec("prefect")
    if spec is None or not spec.submodule_search_locations:
        raise ServerStartError("Prefect is not installed in this environment")
    return str(Path(next(iter(spec.submodule_search_locations))).parent)


def profile_sets_api_url(home: Path) -> bool:
    """True when the Prefect profiles file under ``home`` names an API URL (``prefect config set``)."""
    try:
        return "PREFECT_API_URL" in (home / "profiles.toml").read_text(encoding="utf-8")
    except OSError:
        return False


def start_if_prefect_would() -> TemporaryServer | None:
    """The temporary server, its URL exported for Prefect; ``None`` where Prefect would not start one."""
    if "prefect" in sys.modules or os.environ.get("PREFECT_API_URL"):
        return None
    prefect_home = Path(os.environ.get("PREFECT_HOME", "~/.prefect")).expanduser()
    if profile_sets_api_url(prefect_home):
        return None
    if os.environ.get("PREFECT_SERVER_ALLOW_EPHEMERAL_MODE", "true").lower() in ("false", "0"):
        return None
    server = TemporaryServer(prefect_home / "temporary-server.log")
    os.environ["PREFECT_API_URL"] = server.api_url
    return server
