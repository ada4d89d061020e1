"""The temporary server waits for its event readers before it stops: on Prefect's real in-memory broker."""

import asyncio

from prefect.server.utilities.messaging.memory import Consumer, MemoryMessage, Topic

from pipeline.server_app import drain_event_queues


def _drain_while_reading(topic_name: str, write_s: float, published: int, limit_s: float):
    """Two readers on ``topic_name``, each message a ``write_s`` write; ``published`` messages, then the drain.

    What the drain left, what the readers had handled when it returned, and how long it took.
    """
    async def scenario():
        handled: list = []

        async def handler(message):
            await asyncio.sleep(write_s)
            handled.append(message.data)

        consumer = Consumer(topic_name, concurrency=2)
        reading = asyncio.create_task(consumer.run(handler))
        await asyncio.sleep(0)
        for number in range(published):
            await Topic.by_name(topic_name).publish(MemoryMessage(data=f"event {number}", attributes={}))
        started = asyncio.get_running_loop().time()
        left = await drain_event_queues(limit_s=limit_s)
        elapsed = asyncio.get_running_loop().time() - started
        reading.cancel()
        await consumer.cleanup()
        return left, list(handled), elapsed

    return asyncio.run(scenario())


def test_the_drain_returns_once_every_queued_and_in_flight_message_is_handled():
    left, handled, _ = _drain_while_reading("drain-test-all", write_s=0.2, published=9, limit_s=10)
    assert left == 0
    assert sorted(handled) == sorted(f"event {number}" for number in range(9))   # the last two were in flight


def test_the_drain_gives_up_at_its_limit_and_says_how_many_are_left(caplog):
    left, handled, _ = _drain_while_reading("drain-test-limit", write_s=0.5, published=10, limit_s=0.1)
    assert left == 10 - len(handled) and left > 0
    assert f"Stopping with {left} event(s) still unrecorded" in caplog.text


def test_with_nothing_queued_the_drain_costs_nothing():
    left, _, elapsed = _drain_while_reading("drain-test-idle", write_s=0.5, published=0, limit_s=30)
    assert left == 0 and elapsed < 5     # idle readers, empty queues: it does not wait out its limit


def test_where_prefects_queues_are_not_where_they_were_the_server_stops_as_prefect_would(monkeypatch, caplog):
    monkeypatch.setattr(Topic, "_topics", {"events": object()})     # a topic with none of 3.8.8's attributes
    assert asyncio.run(drain_event_queues(limit_s=30)) == 0
    assert "Not waiting for Prefect's event queues" in caplog.text
