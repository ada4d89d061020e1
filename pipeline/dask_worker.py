"""Loaded by each worker of the local Dask cluster ``--task-runner dask`` starts (a distributed preload).

When the cluster closes, a worker can send its heartbeat just as the scheduler's side of the connection goes:
distributed then logs "Failed to communicate with scheduler during heartbeat." with a traceback, at ERROR, to
the run's terminal (dask/distributed#7105, open; seen here twice, each time while another job loaded the
machine). The local cluster's scheduler lives in ``foi run``'s own process, so when it cannot be reached the
run is ending; a worker's real failure reaches the run as its task's failed state. Only that message is dropped.
"""

from __future__ import annotations

import logging

HEARTBEAT_LOST = "Failed to communicate with scheduler during heartbeat"


class DropHeartbeatLost(logging.Filter):
    """Keeps every record of ``distributed.worker`` but the heartbeat that met a closing scheduler."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(HEARTBEAT_LOST)


def quiet_worker_logs() -> None:
    worker_log = logging.getLogger("distributed.worker")
    if not any(isinstance(f, DropHeartbeatLost) for f in worker_log.filters):
        worker_log.addFilter(DropHeartbeatLost())


def dask_setup(worker) -> None:  # noqa: ARG001 - the preload hook distributed calls in each worker
    quiet_worker_logs()
