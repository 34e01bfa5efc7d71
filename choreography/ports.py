"""The store port: how handlers read orders and how the bus, relay and sweeper commit.

``store.SqlStore`` implements it on the database; ``memory.InMemoryStore`` in
memory, for unit tests.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from choreography.model import Change, Deadline, StoredOrder
from domain.events import Event


class VersionConflict(Exception):
    """Someone changed the order since it was loaded; load it again and decide again."""


@dataclass(frozen=True)
class OutgoingEvent:
    """A committed event the relay has not published yet."""

    event_id: str
    subject: str
    body: bytes
    traceparent: str | None = None
    created_at: datetime | None = None


class Bell(Protocol):
    """Rung after a commit that wrote outbox rows, so the relay need not wait for its poll."""

    async def ring(self) -> None:
        """Say that the outbox has news; never raises."""


class Store(Protocol):
    """Reads orders and commits what handlers decide."""

    async def order(self, order_id: str) -> StoredOrder | None:
        """The order, or None."""

    async def event_types(self, order_id: str) -> list[str]:
        """The types of the order's events, in the order they were committed."""

    async def history(self, order_id: str) -> tuple[StoredOrder, list[Event]] | None:
        """The order and all its events as of one moment (one read), or None."""

    async def handled(self, consumer: str, message_id: str) -> bool:
        """Whether ``consumer`` has already handled the message."""

    async def commit(self, change: Change, inbox: tuple[str, str] | None = None) -> bool:
        """Write ``change`` and the inbox row ``(consumer, message_id)``; False if already done."""

    async def unsent(self, limit: int) -> list[OutgoingEvent]:
        """Committed events not yet published, oldest first."""

    async def mark_sent(self, event_ids: Sequence[str]) -> None:
        """Record that these events are on the broker."""

    async def due(self, now: datetime, limit: int) -> list[Deadline]:
        """Pending deadlines that have passed."""
