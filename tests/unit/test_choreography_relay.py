"""The relay over an in-memory outbox and a recording broker: batches, order, crashes, wake-ups."""

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from choreography.memory import InMemoryStore
from choreography.model import Change
from choreography.ports import OutgoingEvent
from choreography.relay import BrokerRefused, Outgoing, Relay
from domain.events import OrderDelayed

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class RecordingBroker:
    """Keeps every batch it is given; acknowledges the first ``accept`` messages of each."""

    def __init__(self, accept: int | None = None) -> None:
        self.batches: list[list[str]] = []
        self.accept = accept
        self.published = asyncio.Event()

    async def publish_batch(self, messages: Sequence[Outgoing]) -> int:
        self.batches.append([message.message_id for message in messages])
        self.published.set()
        return len(messages) if self.accept is None else min(self.accept, len(messages))


class CrashingOnMark(InMemoryStore):
    """An outbox whose process dies (once) after the broker stored a batch, before marking it."""

    crashed = False

    async def mark_sent(self, event_ids: Sequence[str]) -> None:
        if not self.crashed:
            self.crashed = True
            raise ConnectionError("killed between publish and mark")
        await super().mark_sent(event_ids)


class WatchedOutbox(InMemoryStore):
    """An outbox that says when the relay first looked into it."""

    def __init__(self) -> None:
        super().__init__()
        self.looked = asyncio.Event()

    async def unsent(self, limit: int) -> list[OutgoingEvent]:
        self.looked.set()
        return await super().unsent(limit)


def delayed(order_id: str) -> OrderDelayed:
    return OrderDelayed(
        event_id=uuid.uuid4(), order_id=order_id, occurred_at=NOW, stage="cooking", deadline=NOW
    )


async def committed(store: InMemoryStore, count: int) -> list[str]:
    """Commit ``count`` events, one transaction each; their ids in commit order."""
    ids = []
    for n in range(count):
        event = delayed(f"o-{n % 3}")
        await store.commit(Change(events=(event,)))
        ids.append(str(event.event_id))
    return ids


async def test_a_batch_goes_out_in_one_call_in_commit_order_and_is_marked_sent() -> None:
    store, broker = InMemoryStore(), RecordingBroker()
    ids = await committed(store, 7)

    assert await Relay(store, broker).pump() == 7

    assert broker.batches == [ids]
    assert await store.unsent(10) == []


async def test_batches_follow_each_other_in_commit_order() -> None:
    store, broker = InMemoryStore(), RecordingBroker()
    ids = await committed(store, 7)
    relay = Relay(store, broker, batch=3)

    while await relay.pump():
        pass

    assert broker.batches == [ids[0:3], ids[3:6], ids[6:7]]


async def test_a_crash_between_publish_and_mark_publishes_the_same_ids_again() -> None:
    store, broker = CrashingOnMark(), RecordingBroker()
    ids = await committed(store, 4)
    relay = Relay(store, broker)

    with pytest.raises(ConnectionError):
        await relay.pump()
    assert await relay.pump() == 4

    assert broker.batches == [ids, ids]  # same ids, same order: the broker drops the repeat
    assert await store.unsent(10) == []


async def test_only_the_acknowledged_prefix_is_marked_and_the_rest_goes_out_again() -> None:
    store, broker = InMemoryStore(), RecordingBroker(accept=2)
    ids = await committed(store, 5)
    relay = Relay(store, broker)

    with pytest.raises(BrokerRefused):
        await relay.pump()

    assert [e.event_id for e in await store.unsent(10)] == ids[2:]
    broker.accept = None
    assert await relay.pump() == 3
    assert broker.batches == [ids, ids[2:]]


async def test_news_wakes_an_idle_relay_long_before_its_poll() -> None:
    store, broker, news, stop = WatchedOutbox(), RecordingBroker(), asyncio.Event(), asyncio.Event()
    relay = asyncio.create_task(Relay(store, broker, news=news).run(stop, idle=3600))
    try:
        await store.looked.wait()  # found the outbox empty: from here on only news wakes it
        ids = await committed(store, 2)
        news.set()
        async with asyncio.timeout(30):  # would be an hour without the news
            await broker.published.wait()
        assert broker.batches == [ids]
    finally:
        stop.set()
        await relay
