"""``foi serve``: the consolidation flow as a scheduled Prefect deployment.

Prefect's ephemeral server runs no scheduler ("Cannot schedule flows on an ephemeral server"), so a
schedule needs a long-lived ``prefect server start`` and ``PREFECT_API_URL`` pointing at it.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

from pipeline import prefect_env

NO_SERVER_HELP = """foi serve needs a long-lived Prefect server: the temporary one that `foi run` starts has no scheduler.
In one terminal:   .venv/bin/prefect server start
In another:        export PREFECT_API_URL=http://127.0.0.1:4200/api
                   .venv/bin/foi serve --cron "0 6 * * 1"
"""


def serve(cron: str, raw_dir: str = "raw", out_dir: str = "published", reports_dir: str = "reports",
          name: str = "weekly", limit: int | None = None) -> int:
    """Serve the flow on ``cron`` until interrupted. Returns an exit status."""
    prefect_env.configure()
    if not os.environ.get("PREFECT_API_URL"):
        sys.stderr.write(NO_SERVER_HELP)
        return 2
    from prefect.client.schemas.schedules import construct_schedule

    try:
        construct_schedule(cron=cron)
    except ValueError as error:
        sys.stderr.write(f"foi serve: '{cron}' is not a cron expression ({error})\n")
        return 2
    import asyncio

    import flows

    runner = _quiet_runner_class()(name=name, limit=limit)
    runner.add_flow(
        flows.consolidate_returns,
        name=name,
        cron=cron,
        parameters={"raw_dir": os.path.abspath(raw_dir), "out_dir": os.path.abspath(out_dir),
                    "reports_dir": os.path.abspath(reports_dir)},
    )
    print(f"foi serve: serving 'foi-consolidate/{name}' on '{cron}' from {os.environ['PREFECT_API_URL']}\n"
          f"Run it now with:  .venv/bin/prefect deployment run 'foi-consolidate/{name}'\n"
          f"Stop with Ctrl-C.", flush=True)
    try:
        asyncio.run(runner.start())
    except KeyboardInterrupt:
        pass
    print("foi serve: stopped; the schedule is paused until foi serve runs again.", flush=True)
    _exit_after(SHUTDOWN_GRACE_S)
    return 0


SHUTDOWN_GRACE_S = 20


def _exit_after(seconds: float, message: str = "") -> None:
    """Leave within ``seconds`` even if a thread Prefect or its HTTP client left behind is never joined.

    Seen twice on the fresh-clone check (never alone): ``foi serve`` still alive 30 s and 120 s after SIGTERM.
    A service manager waits on the process, so exit it ourselves once our own stop is done."""
    def leave() -> None:
        if message:
            print(message, flush=True)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)

    timer = threading.Timer(seconds, leave)
    timer.daemon = True
    timer.start()


RUNNER_STOP_GRACE_S = 60


def _quiet_runner_class():
    from prefect.runner import Runner

    class QuietRunner(Runner):
        """Prefect's Runner, stopped by SIGTERM the way Ctrl-C stops it.

        Prefect's own SIGTERM handler calls the async ``stop()`` without awaiting it, so a service manager's
        SIGTERM printed "coroutine 'Runner.astop' was never awaited" and sometimes a traceback.
        """

        def handle_sigterm(self, *args, **kwargs) -> None:
            _exit_after(RUNNER_STOP_GRACE_S,     # if the runner's own shutdown never returns
                        f"foi serve: stopped (Prefect's runner had not finished stopping after "
                        f"{RUNNER_STOP_GRACE_S} s; its schedule may still show as active).")
            signal.raise_signal(signal.SIGINT)

    return QuietRunner
