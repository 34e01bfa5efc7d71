"""What each board shows, read from the orders read model (never from each order's workflow).

A ``Card`` is one order on a board: its items, since when it has been in its
column, whether that is longer than the stage's SLA, and the customer details
the viewer's role may see (DESIGN §6: the kitchen none, a driver those of
orders it may deliver).
"""

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from api.auth.personal_data import may_deliver, shown_contact, visible_details
from api.auth.principal import Principal
from api.runtime import Runtime
from domain.order import OrderItem, OrderStatus
from services.messages import OrderView

COLUMN_LIMIT = 50
ENTERED = {
    OrderStatus.CONFIRMED: "OrderConfirmed",
    OrderStatus.COOKING: "OrderCookingStarted",
    OrderStatus.READY: "OrderReady",
    OrderStatus.OUT_FOR_DELIVERY: "OrderOutForDelivery",
}
KITCHEN = (OrderStatus.CONFIRMED, OrderStatus.COOKING, OrderStatus.READY)
DELIVERY = (OrderStatus.READY, OrderStatus.OUT_FOR_DELIVERY)


@dataclass(frozen=True)
class Card:
    """One order as a board shows it."""

    order_id: str
    status: OrderStatus
    items: list[OrderItem]
    since: datetime
    waited_seconds: float
    breached: bool
    contact: dict[str, str | None] | None = None

    @property
    def short_id(self) -> str:
        """The first characters of the id, as staff call an order out."""
        return self.order_id[:8]


def entered_at(view: OrderView) -> datetime:
    """When the order entered its current status (its view's last write if the log says not)."""
    kind = ENTERED.get(view.status)
    moments = [entry.occurred_at for entry in view.timeline if entry.type == kind]
    return moments[-1] if moments else (view.updated_at or datetime.now(UTC))


def sla_seconds(runtime: Runtime, status: OrderStatus) -> float:
    """How long an order may stay in ``status`` before it is late."""
    settings = runtime.settings
    if status == OrderStatus.CONFIRMED:
        return settings.cooking_sla_seconds
    if status == OrderStatus.COOKING:
        return settings.ready_sla_seconds
    return settings.delivery_sla_seconds


def card(runtime: Runtime, viewer: Principal, view: OrderView, now: datetime) -> Card:
    """``view`` as ``viewer`` may see it on a board."""
    since = entered_at(view)
    waited = (now - since).total_seconds()
    visible = visible_details(viewer, view.customer_id, view.status, view.timeline)
    return Card(
        order_id=view.order_id,
        status=view.status,
        items=view.items,
        since=since,
        waited_seconds=waited,
        breached=waited > sla_seconds(runtime, view.status),
        contact=shown_contact(view.contact, visible),
    )


async def column(
    runtime: Runtime, viewer: Principal, status: OrderStatus, mine_only: bool = False
) -> list[Card]:
    """The orders in ``status``, oldest first; ``mine_only``: those ``viewer`` may deliver."""
    now = datetime.now(UTC)
    listed = await runtime.services.orders.list(status, COLUMN_LIMIT)
    # One read per card for its timeline and contact, side by side rather than in turn.
    found = await asyncio.gather(*(runtime.services.orders.get(s.order_id) for s in listed))
    views = [
        view
        for view in found
        # an order that moved on between the two reads shows where it is on the next push
        if view is not None and view.status == status
        if not mine_only or may_deliver(viewer.subject, view.status, view.timeline)
    ]
    return sorted((card(runtime, viewer, view, now) for view in views), key=lambda c: c.since)


async def kitchen_board(runtime: Runtime, viewer: Principal) -> dict[str, list[Card]]:
    """Confirmed (the queue), cooking and ready, by column name."""
    return {status.value.lower(): await column(runtime, viewer, status) for status in KITCHEN}


async def delivery_board(runtime: Runtime, viewer: Principal) -> dict[str, list[Card]]:
    """Ready to pick up, and the viewer's own out for delivery (an admin sees every driver's)."""
    return {
        "ready": await column(runtime, viewer, OrderStatus.READY),
        "out_for_delivery": await column(
            runtime, viewer, OrderStatus.OUT_FOR_DELIVERY, mine_only=viewer.role == "driver"
        ),
    }
