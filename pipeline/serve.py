"""``foi serve``: the consolidation flow as a scheduled Prefect deployment.

Prefect's ephemeral server runs no scheduler ("Cannot schedule flows on an ephemeral server"), so a
schedule needs a long-lived ``prefect server start`` and ``PREFECT_API_URL`` pointing at it.
"""

from __future__ import annotations

import os
import sys

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
    import flows

    flows.consolidate_returns.serve(
        name=name,
        cron=cron,
        parameters={"raw_dir": os.path.abspath(raw_dir), "out_dir": os.path.abspath(out_dir),
                    "reports_dir": os.path.abspath(reports_dir)},
        limit=limit,
        print_starting_message=True,
    )
    return 0
