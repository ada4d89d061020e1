"""The temporary server waits for its event readers before it stops: on Prefect's real in-memory broker."""

import asyncio

from prefect.server.utilities.messaging.memory import Consumer, MemoryMessage, Topic

from pipeline.server_app import drain_event_queues


async def _slow_readers(topic_name: str, handled: list, write_s: float):
    """A consumer on ``topic_name`` whose every message takes ``write_s`` (a database write), and its task."""
    Topic.by_name(topic_name)
    consumer = Consumer(topic_name, concurrency=2)

    async def handler(message):
        await asyncio.sleep(write_s)
        handled.append(message.data)

    return asyncio.create_task(consumer.run(handler)), consumer


async def _publish(topic_name: str, count: int) -> None:
    for number in range(count):
        await Topic.by_name(topic_name).publish(MemoryMessage(data=f"event {number}", attributes={}))


def test_the_drain_returns_once_every_queued_and_in_flight_message_is_handled():
    async def scenario():
        handled: list = []
        task, consumer = await _slow_readers("drain-test-all", handled, write_s=0.2)
        await asyncio.sleep(0)
        await _publish("drain-test-all", 9)
        left = await drain_event_queues(limit_s=10)
        task.cancel()
        await consumer.cleanup()
        return left, handled

    left, handled = asyncio.run(scenario())
    assert left == 0
    assert sorted(handled) == sorted(f"event {number}" for number in range(9))   # the last two were in flight


def test_the_drain_gives_up_at_its_limit_and_says_how_many_are_left(caplog):
    async def scenario():
        handled: list = []
        task, consumer = await _slow_readers("drain-test-limit", handled, write_s=0.5)
        await asyncio.sleep(0)
        await _publish("drain-test-limit", 10)
        left = await drain_event_queues(limit_s=0.1)
        task.cancel()
        await consumer.cleanup()
        return left, handled

    left, handled = asyncio.run(scenario())
    assert left == 10 - len(handled) and left > 0
    assert f"Stopping with {left} event(s) still unrecorded" in caplog.text


def test_with_nothing_queued_the_drain_costs_nothing():
    async def scenario():
        handled: list = []
        task, consumer = await _slow_readers("drain-test-idle", handled, write_s=0.5)
        await asyncio.sleep(0)
        started = asyncio.get_running_loop().time()
        left = await drain_event_queues(limit_s=30)
        elapsed = asyncio.get_running_loop().time() - started
        task.cancel()
        await consumer.cleanup()
        return left, elapsed

    left, elapsed = asyncio.run(scenario())
    assert left == 0 and elapsed < 5     # idle readers, empty queues: it does not wait out its limit


def test_where_prefects_queues_are_not_where_they_were_the_server_stops_as_prefect_would(monkeypatch, caplog):
    monkeypatch.setattr(Topic, "_topics", {"events": object()})     # a topic with none of 3.8.8's attributes
    assert asyncio.run(drain_event_queues(limit_s=30)) == 0
    assert "Not waiting for Prefect's event queues" in caplog.text
