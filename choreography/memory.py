"""``Store`` in memory: the same semantics as ``SqlStore`` without a database, for unit tests.

Every commit is all-or-nothing here too: it checks first and writes after.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from choreography.model import Change, Deadline, Delivery, StoredOrder
from choreography.names import subject_for
from choreography.ports import OutgoingEvent, VersionConflict
from domain.event_codec import to_json
from domain.events import DomainEvent, Event

if TYPE_CHECKING:
    from choreography.bus import MessageBus


@dataclass
class InMemoryStore:
    """Orders, outbox, inbox and deadlines in dictionaries and lists."""

    orders: dict[str, StoredOrder] = field(default_factory=dict)
    outbox: list[DomainEvent] = field(default_factory=list)
    sent: set[str] = field(default_factory=set)
    inbox: set[tuple[str, str]] = field(default_factory=set)
    deadlines: dict[tuple[str, str], tuple[Deadline, str]] = field(default_factory=dict)

    async def order(self, order_id: str) -> StoredOrder | None:
        """The order, or None."""
        return self.orders.get(order_id)

    async def event_types(self, order_id: str) -> list[str]:
        """The order's event types in commit order."""
        return [type(e).__name__ for e in self.outbox if e.order_id == order_id]

    async def history(self, order_id: str) -> tuple[StoredOrder, list[Event]] | None:
        """The order and its events."""
        stored = self.orders.get(order_id)
        if stored is None:
            return None
        return stored, [e for e in self.outbox if e.order_id == order_id]  # type: ignore[misc]

    async def handled(self, consumer: str, message_id: str) -> bool:
        """Whether the inbox holds the pair."""
        return (consumer, message_id) in self.inbox

    async def commit(self, change: Change, inbox: tuple[str, str] | None = None) -> bool:
        """Check everything, then write everything."""
        if inbox is not None and inbox in self.inbox:
            return False
        if change.fire is not None and not self._pending(change.fire):
            return False
        stored = change.order
        if stored is not None:
            current = self.orders.get(stored.order_id)
            if stored.version == 0 and current is not None:
                return False
            if stored.version and (current is None or current.version != stored.version):
                raise VersionConflict(f"order {stored.order_id} changed")
        self._apply(change, inbox)
        return True

    def _pending(self, deadline: Deadline) -> bool:
        entry = self.deadlines.get((deadline.order_id, deadline.stage))
        return entry is not None and entry[1] == "pending"

    def _apply(self, change: Change, inbox: tuple[str, str] | None) -> None:
        if inbox is not None:
            self.inbox.add(inbox)
        if change.fire is not None:
            self.deadlines[(change.fire.order_id, change.fire.stage)] = (change.fire, "fired")
        if change.order is not None:
            stored = change.order
            self.orders[stored.order_id] = stored.model_copy(update={"version": stored.version + 1})
            for stage in change.settle:
                if self._pending(Deadline(stored.order_id, stage, datetime.min)):
                    deadline, _ = self.deadlines[(stored.order_id, stage)]
                    self.deadlines[(stored.order_id, stage)] = (deadline, "done")
            for deadline in change.schedule:
                self.deadlines.setdefault(
                    (deadline.order_id, deadline.stage), (deadline, "pending")
                )
        known = {e.event_id for e in self.outbox}
        self.outbox.extend(e for e in change.events if e.event_id not in known)

    async def unsent(self, limit: int) -> list[OutgoingEvent]:
        """Unpublished events, oldest first."""
        waiting = [e for e in self.outbox if str(e.event_id) not in self.sent][:limit]
        return [OutgoingEvent(str(e.event_id), subject_for(e), to_json(e)) for e in waiting]

    async def mark_sent(self, event_ids: Sequence[str]) -> None:
        """Remember them as published."""
        self.sent.update(event_ids)

    async def due(self, now: datetime, limit: int) -> list[Deadline]:
        """Pending deadlines that have passed."""
        due = [
            d for d, status in self.deadlines.values() if status == "pending" and d.due_at <= now
        ]
        return sorted(due, key=lambda d: d.due_at)[:limit]


class InMemoryBroker:
    """Delivers the store's outbox to every consumer of the bus, in commit order, until quiet.

    A failing handler is tried again up to ``max_attempts`` times (the last
    one marked final); what still fails is kept in ``dead_letters``.
    """

    def __init__(self, bus: "MessageBus", store: InMemoryStore, max_attempts: int = 3) -> None:
        self._bus = bus
        self._store = store
        self._max_attempts = max_attempts
        self.dead_letters: list[tuple[str, DomainEvent, Exception]] = []

    async def drain(self) -> int:
        """Deliver everything committed, including what the deliveries commit; how many events."""
        delivered = 0
        while waiting := [e for e in self._store.outbox if str(e.event_id) not in self._store.sent]:
            for event in waiting:
                self._store.sent.add(str(event.event_id))
                for consumer in self._bus.consumers:
                    await self._deliver(consumer, event)
                delivered += 1
        return delivered

    async def _deliver(self, consumer: str, event: DomainEvent) -> None:
        for attempt in range(1, self._max_attempts + 1):
            delivery = Delivery(event=event, attempt=attempt, final=attempt == self._max_attempts)
            try:
                await self._bus.deliver(consumer, delivery)  # type: ignore[arg-type]
                return
            except Exception as failure:  # as the JetStream consumer: retry, then park
                if attempt == self._max_attempts:
                    self.dead_letters.append((consumer, event, failure))
