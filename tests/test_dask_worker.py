"""The local Dask cluster's workers drop one shutdown race's traceback (dask/distributed#7105) and nothing else."""

from __future__ import annotations

import io
import logging

import pytest

from pipeline.dask_worker import DropHeartbeatLost, quiet_worker_logs


def logged(logger: logging.Logger) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    try:
        try:
            raise OSError("Stream is closed")
        except OSError:
            logger.exception("Failed to communicate with scheduler during heartbeat.")
        logger.error("Worker stream died during communication: %s", "tcp://127.0.0.1:1")
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_the_heartbeat_that_met_a_closing_scheduler_is_dropped_and_other_errors_kept():
    worker_log = logging.getLogger("distributed.worker")
    before = list(worker_log.filters)
    try:
        quiet_worker_logs()
        quiet_worker_logs()                 # once, however often a worker loads it
        output = logged(worker_log)
        assert sum(isinstance(f, DropHeartbeatLost) for f in worker_log.filters) == 1
    finally:
        worker_log.filters[:] = before
    assert "heartbeat" not in output and "Traceback" not in output
    assert "Worker stream died during communication: tcp://127.0.0.1:1" in output


def test_without_the_filter_the_same_records_print_the_traceback():
    output = logged(logging.getLogger("foi-test.unfiltered"))
    assert "Failed to communicate with scheduler during heartbeat." in output and "Traceback" in output


@pytest.mark.slow
def test_each_worker_of_the_local_cluster_loads_the_filter():
    from distributed import Client, LocalCluster

    from flows import make_task_runner

    runner = make_task_runner("dask")
    with LocalCluster(**runner.cluster_kwargs) as cluster, Client(cluster) as client:
        filters = client.run(lambda: [type(f).__name__ for f in logging.getLogger("distributed.worker").filters])
    assert len(filters) == 2
    assert all(names == ["DropHeartbeatLost"] for names in filters.values())
