"""The outbox relay: publish committed events in commit order, then mark them sent.

Only the relay that holds the lease (``relay_lease``) publishes; others stand by.
A batch goes to the broker in one go, in commit order on one connection, and
is marked sent in one transaction once the broker has acknowledged it; only
the acknowledged prefix is marked, so whatever was refused goes out again on
the next pump. A crash after publishing and before marking makes the next run
publish the same events again with the same ``Nats-Msg-Id``; JetStream drops
them inside its duplicate window, and every consumer's inbox drops them after it.

The relay sleeps while the outbox is empty and wakes when ``news`` is set
(``outbox_bell``: a committer says it wrote events) or, as a fallback for a
missed ring, after ``idle`` seconds.
"""

import asyncio
import logging
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Protocol

from choreography.ports import OutgoingEvent, Store
from choreography.relay_lease import AlwaysHeld, Lease
from infra.metrics import observe_outbox
from infra.trace_context import publish_span
from services.sql import utcnow

log = logging.getLogger("pizzeria.relay")
BATCH = 200
IDLE_SECONDS = 1.0
STANDBY_SECONDS = 0.5


@dataclass(frozen=True)
class Outgoing:
    """One message for the broker; ``message_id`` lets the broker drop repeats."""

    subject: str
    body: bytes
    message_id: str
    headers: Mapping[str, str]


class Publisher(Protocol):
    """Puts messages on the broker, in order, and says how many it has stored."""

    async def publish_batch(self, messages: Sequence[Outgoing]) -> int:
        """Publish ``messages`` in order; how many of them, counted from the first, the broker
        acknowledged (fewer than all when it refused or did not answer one)."""


class Relay:
    """Moves events from the outbox table to the broker."""

    def __init__(
        self,
        store: Store,
        publisher: Publisher,
        batch: int = BATCH,
        lease: Lease | None = None,
        news: asyncio.Event | None = None,
    ) -> None:
        self._store = store
        self._publisher = publisher
        self._batch = batch
        self._lease = lease or AlwaysHeld()
        self._news = news or asyncio.Event()

    async def pump(self) -> int:
        """Publish one batch of unsent events; how many went out."""
        waiting = await self._store.unsent(self._batch)
        if not waiting:
            return 0
        with ExitStack() as spans:  # one producer span per event, open until the broker answers
            batch = [_outgoing(event, spans) for event in waiting]
            stored = await self._publisher.publish_batch(batch)
        if stored:
            await self._store.mark_sent([event.event_id for event in waiting[:stored]])
            observe_outbox(waiting[0].created_at, utcnow(), stored)
        if stored < len(waiting):
            raise BrokerRefused(f"the broker stored {stored} of {len(waiting)} events")
        return stored

    async def run(
        self, stop: asyncio.Event, idle: float = IDLE_SECONDS, standby: float = STANDBY_SECONDS
    ) -> None:
        """Pump until ``stop`` is set; when the outbox is empty, wait for news or ``idle``
        seconds, and ``standby`` seconds between tries for the lease while another relay
        holds it."""
        try:
            await self._run(stop, idle, standby)
        finally:
            await self._lease.release()

    async def _run(self, stop: asyncio.Event, idle: float, standby: float) -> None:
        while not stop.is_set():
            if not await self._lease.held():
                await _first(stop, standby)
                continue
            self._news.clear()  # a commit from here on wakes the wait below
            try:
                published = await self.pump()
            except Exception:  # the broker or database is away: log, wait, try again
                log.exception("relay pump failed; retrying")
                await _first(stop, 1.0)
                continue
            if published < self._batch:
                await _first(stop, idle, self._news)


class BrokerRefused(Exception):
    """The broker did not store a whole batch; the rest goes out on the next pump."""


def _outgoing(event: OutgoingEvent, spans: ExitStack) -> Outgoing:
    headers = spans.enter_context(publish_span(event.subject, event.traceparent))
    return Outgoing(event.subject, event.body, event.event_id, headers)


async def _first(stop: asyncio.Event, seconds: float, news: asyncio.Event | None = None) -> None:
    """Wait until ``stop`` or ``news`` is set, or ``seconds`` have passed."""
    waiters = [asyncio.ensure_future(e.wait()) for e in (stop, news) if e is not None]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
