"""The temporary server's app: Prefect's own, which records every event it was sent before it stops.

Prefect's server records task runs and events in services that read them from in-memory queues, a step behind
the API. Stopping it (``TemporaryServer.stop`` once ``foi run`` has sent its last event) cancels those readers:
what is still queued is lost and a write cut short logs "Error flushing" with a CancelledError traceback.
Measured on durham+essex under CPU load (3 busy loops on 2 cores): 3 of 4 runs lost records (up to 23 of 86
task runs left RUNNING, PENDING or missing; once the flow run's Completed event). Three seconds' grace before
the stop lost none. Here the server waits, at most ``DRAIN_LIMIT_S``, until every queue is empty and every
reader is idle, then stops as before: the services' own last flush writes what they hold.

Imported only in the server's process (uvicorn's ``--factory``), where Prefect is already the point.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter

from pipeline.prefect_server import DRAIN_LIMIT_S

POLL_S = 0.02

log = logging.getLogger("foi.server_app")


def create_app():
    """Prefect's API app (``prefect.server.api.server:create_app``), its shutdown preceded by the drain."""
    from prefect.server.api.server import create_app as prefect_app

    app = prefect_app()
    prefect_lifespan = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(served_app):
        async with prefect_lifespan(served_app) as state:
            yield state
            await drain_event_queues(DRAIN_LIMIT_S)

    app.router.lifespan_context = lifespan
    return app


async def drain_event_queues(limit_s: float) -> int:
    """Wait until Prefect's in-memory queues are empty and their readers idle; the messages still waiting.

    Returns 0 when drained, else what was left at ``limit_s`` (logged, as the services' stop loses it).
    """
    started = time.monotonic()
    waiting = _unhandled_messages()
    while waiting and time.monotonic() - started < limit_s:
        await asyncio.sleep(POLL_S)
        waiting = _unhandled_messages()
    if waiting:
        log.warning("Stopping with %d event(s) still unrecorded after %.1f s", waiting, limit_s)
    return waiting


def _unhandled_messages() -> int:
    """Messages queued for a reader, plus one per reader busy with one (a write in progress)."""
    try:
        from prefect.server.utilities.messaging.memory import Topic
    except ImportError:          # another broker: nothing of this process's memory to wait for
        return 0
    readers = _readers_by_subscription()
    waiting = 0
    try:
        for topic in list(Topic._topics.values()):
            for subscription in list(topic._subscriptions):
                queue = subscription._queue
                idle = len(getattr(queue, "_getters", ()))
                waiting += queue.qsize() + subscription._retry.qsize()
                waiting += max(0, readers[id(subscription)] - idle)
    except AttributeError as error:    # Prefect's internals moved (pinned 3.8.8): stop as Prefect would
        log.warning("Not waiting for Prefect's event queues: %s", error)
        return 0
    return waiting


def _readers_by_subscription() -> Counter:
    """How many consume loops read each subscription (Prefect's in-memory Consumer runs ``concurrency`` of them).

    A loop runs inside anyio's task wrapper, so each task's chain of awaited coroutines is searched for it.
    """
    readers: Counter = Counter()
    for task in asyncio.all_tasks():
        coroutine = task.get_coro()
        while coroutine is not None and getattr(coroutine, "__qualname__", "") != "Consumer._consume_loop":
            coroutine = getattr(coroutine, "cr_await", None)
        if coroutine is None or coroutine.cr_frame is None:
            continue
        subscription = getattr(coroutine.cr_frame.f_locals.get("self"), "subscription", None)
        if subscription is not None:
            readers[id(subscription)] += 1
    return readers
