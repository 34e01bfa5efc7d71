"""What handlers decide: a ``Change`` (new order state, events, deadlines) that commits atomically.

Handlers never write; they return a ``Change`` and the bus commits it together
with the inbox row, so a state change and the events it announces can never
part. ``move`` is the one way an order changes status here, with the same
state machine (``domain.order``) the saga uses.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from domain.events import DomainEvent
from domain.order import TERMINAL, Order, OrderStatus
from services.messages import OrderSnapshot
from workflows.contracts import OrderState, Slas

S = OrderStatus
E = TypeVar("E", bound=DomainEvent)
STAGES = ("cooking", "ready", "delivery")

# Entering a status starts the clock on the next stage, as the saga's _until does...
DEADLINE_ON_ENTRY: dict[OrderStatus, str] = {
    S.CONFIRMED: "cooking",
    S.COOKING: "ready",
    S.READY: "delivery",
}
# ...and reaching a stage (or ending the order) stops the clocks it had running.
SETTLED_ON_ENTRY: dict[OrderStatus, tuple[str, ...]] = {
    S.COOKING: ("cooking",),
    S.READY: ("ready",),
    S.DELIVERED: ("delivery",),
    S.CANCELLED: STAGES,
    S.REJECTED: STAGES,
}


class StoredOrder(BaseModel):
    """The order aggregate as stored: the domain order plus what the choreography tracks."""

    model_config = ConfigDict(frozen=True)

    order: Order
    version: int = 0
    ticket_id: str | None = None
    slas: Slas = Slas()

    @property
    def order_id(self) -> str:
        """The order's id."""
        return self.order.order_id

    @property
    def status(self) -> OrderStatus:
        """Where the order is."""
        return self.order.status

    def snapshot(self) -> OrderSnapshot:
        """The read model's picture of this order."""
        return OrderSnapshot.of(self.order)

    def state(self, event_types: list[str]) -> OrderState:
        """The answer the API gives, in the saga's ``OrderState`` shape."""
        return OrderState(
            **self.snapshot().model_dump(),
            event_types=event_types,
            cancel_requested=self.status is S.CANCELLED,
            terminal=self.status in TERMINAL,
        )


@dataclass(frozen=True)
class Deadline:
    """When an order's stage is due."""

    order_id: str
    stage: str
    due_at: datetime


@dataclass(frozen=True)
class Change:
    """Everything one handler decided, committed in one transaction.

    ``order`` is the new state (its ``version`` is the one it was loaded at);
    ``settle`` names deadlines of that order that no longer apply; ``fire``
    claims a due deadline, so only one sweeper ever announces it.
    """

    events: tuple[DomainEvent, ...] = ()
    order: StoredOrder | None = None
    schedule: tuple[Deadline, ...] = ()
    settle: tuple[str, ...] = ()
    fire: Deadline | None = None


NOTHING = Change()


@dataclass(frozen=True)
class Delivery(Generic[E]):
    """An event as a consumer receives it: which delivery this is, and whether it is the last."""

    event: E
    attempt: int = 1
    final: bool = False


def move(
    stored: StoredOrder, target: OrderStatus, event: DomainEvent, now: datetime, **updates: object
) -> Change:
    """Move the order to ``target`` announcing ``event``; ``IllegalTransition`` if it may not."""
    moved = stored.model_copy(update={"order": stored.order.transition_to(target), **updates})
    schedule: tuple[Deadline, ...] = ()
    stage = DEADLINE_ON_ENTRY.get(target)
    if stage is not None:
        sla: timedelta = getattr(stored.slas, stage)
        schedule = (Deadline(stored.order_id, stage, now + sla),)
    settle = SETTLED_ON_ENTRY.get(target, ())
    return Change(events=(event,), order=moved, schedule=schedule, settle=settle)
