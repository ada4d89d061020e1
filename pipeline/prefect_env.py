"""Prefect's settings for this tool, applied before Prefect is imported.

Defaults only (``setdefault``): anything the user exported wins. No telemetry (the machines that run
this have no network beyond their package mirrors), a patient ephemeral-server start, quiet logs.
"""

from __future__ import annotations

import os

DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_LOGGING_LOG_PRINTS": "false",
    # distributed logs at INFO by default (cluster start, every worker, and a CommClosedError traceback
    # when a LocalCluster shuts down), and on a busy machine WARNINGs such as "Event loop was unresponsive"
    # and "full garbage collections took N% CPU time" (the likely cause of the quiet-output test failing
    # now and then under load: its output was not kept); a worker's real failure reaches the run as its
    # task's failed state. Dask reads this before importing distributed.
    "DASK_LOGGING__DISTRIBUTED": "error",
}


def configure(**overrides: str) -> None:
    """Set Prefect's defaults; its home (database, cached results) lives in the project's ``.prefect/``."""
    home = os.environ.setdefault("PREFECT_HOME", os.path.abspath(".prefect"))
    os.environ.setdefault("PREFECT_RESULTS_LOCAL_STORAGE_PATH", os.path.join(home, "storage"))
    for name, value in {**DEFAULTS, **overrides}.items():
        os.environ.setdefault(name, value)
