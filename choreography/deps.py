"""What every handler is given: the services, the order store, the SLAs and a clock.

Events a handler emits in reaction to another event get an id derived from
the cause and the step, and service calls an idempotency key derived the same
way: a redelivered message rebuilds the very same events and repeats the very
same (idempotent) calls, so a crash between a call and the commit is harmless.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from choreography.model import StoredOrder
from choreography.ports import Store
from domain.errors import OrderNotFound
from domain.events import DomainEvent
from services.container import Services
from services.sql import utcnow
from workflows.contracts import Slas

E = TypeVar("E", bound=DomainEvent)
EVENT_NAMESPACE = uuid.UUID("0f1b8a52-3c1e-4c8e-b2f4-7d9a61e5c3a0")


@dataclass(frozen=True)
class Deps:
    """The dependencies ``bootstrap`` hands to every handler."""

    services: Services
    store: Store
    slas: Slas = field(default_factory=Slas)
    clock: Callable[[], datetime] = utcnow

    def caused(self, cls: type[E], cause: DomainEvent, step: str, **fields: Any) -> E:
        """An event ``cause`` led to; the same cause and step always give the same event id."""
        event_id = uuid.uuid5(EVENT_NAMESPACE, f"{cause.event_id}/{step}")
        return cls(event_id=event_id, order_id=cause.order_id, occurred_at=self.clock(), **fields)

    def stamped(self, cls: type[E], order_id: str, step: str, **fields: Any) -> E:
        """An event whose id derives from the order and the step (placed, a deadline)."""
        event_id = uuid.uuid5(EVENT_NAMESPACE, f"{order_id}/{step}")
        return cls(event_id=event_id, order_id=order_id, occurred_at=self.clock(), **fields)

    def fresh(self, cls: type[E], order_id: str, **fields: Any) -> E:
        """A new event for a staff command (the HTTP layer refuses repeats by state)."""
        return cls(event_id=uuid.uuid4(), order_id=order_id, occurred_at=self.clock(), **fields)

    @staticmethod
    def key(cause: DomainEvent, step: str) -> str:
        """The idempotency key of the service call ``step`` makes in reaction to ``cause``."""
        return f"choreo/{cause.event_id}/{step}"

    async def happened(self, order_id: str, event_type: str) -> bool:
        """Whether the order has an event of ``event_type`` (how far it got before it ended)."""
        return event_type in await self.store.event_types(order_id)

    async def load(self, order_id: str) -> StoredOrder:
        """The order, or ``OrderNotFound``."""
        stored = await self.store.order(order_id)
        if stored is None:
            raise OrderNotFound(f"no order with id '{order_id}'")
        return stored
