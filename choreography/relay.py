"""The outbox relay: publish committed events in commit order, then mark them sent.

Only the relay that holds the lease (``relay_lease``) publishes; others stand by.
A crash after publishing and before marking makes the next run publish the
same events again with the same ``Nats-Msg-Id``; JetStream drops them inside
its duplicate window, and every consumer's inbox drops them after it.
"""

import asyncio
import logging
from collections.abc import Mapping
from typing import Protocol

from choreography.ports import Store
from choreography.relay_lease import AlwaysHeld, Lease
from infra.metrics import observe_outbox
from infra.trace_context import publish_span
from services.sql import utcnow

log = logging.getLogger("pizzeria.relay")
BATCH = 200
IDLE_SECONDS = 0.02
STANDBY_SECONDS = 0.5


class Publisher(Protocol):
    """Puts one message on the broker and returns once the broker has stored it."""

    async def publish(
        self, subject: str, body: bytes, message_id: str, headers: Mapping[str, str] | None = None
    ) -> None:
        """Publish ``body`` on ``subject``; ``message_id`` lets the broker drop repeats."""


class Relay:
    """Moves events from the outbox table to the broker."""

    def __init__(
        self, store: Store, publisher: Publisher, batch: int = BATCH, lease: Lease | None = None
    ) -> None:
        self._store = store
        self._publisher = publisher
        self._batch = batch
        self._lease = lease or AlwaysHeld()

    async def pump(self) -> int:
        """Publish one batch of unsent events; how many went out."""
        waiting = await self._store.unsent(self._batch)
        for event in waiting:
            with publish_span(event.subject, event.traceparent) as headers:
                await self._publisher.publish(event.subject, event.body, event.event_id, headers)
        if waiting:
            await self._store.mark_sent([event.event_id for event in waiting])
            observe_outbox(waiting[0].created_at, utcnow(), len(waiting))
        return len(waiting)

    async def run(
        self, stop: asyncio.Event, idle: float = IDLE_SECONDS, standby: float = STANDBY_SECONDS
    ) -> None:
        """Pump until ``stop`` is set; sleep ``idle`` seconds whenever the outbox is empty, and
        ``standby`` seconds between tries for the lease while another relay holds it."""
        try:
            await self._run(stop, idle, standby)
        finally:
            await self._lease.release()

    async def _run(self, stop: asyncio.Event, idle: float, standby: float) -> None:
        while not stop.is_set():
            if not await self._lease.held():
                await _wait(stop, standby)
                continue
            try:
                published = await self.pump()
            except Exception:  # the broker or database is away: log, wait, try again
                log.exception("relay pump failed; retrying")
                published = 0
                await asyncio.sleep(1.0)
            if not published:
                await _wait(stop, idle)


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        return
