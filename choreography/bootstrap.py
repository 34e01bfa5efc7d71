"""``bootstrap``: the one place that wires handlers to commands, events and consumers.

Read the tables below to see the whole choreography: which command goes to
which handler, and which consumer (one per service, one durable JetStream
consumer each) reacts to which event.
"""

from collections.abc import Callable
from datetime import datetime

from choreography.bus import CommandHandler, EventHandler, MessageBus, Reactions
from choreography.deps import Deps
from choreography.handlers import commands, inventory, kitchen, notifications, orders, payments
from choreography.handlers.read_models import record_in_read_models
from choreography.ports import Store
from domain.commands import (
    CancelOrder,
    Command,
    MarkDelivered,
    MarkReady,
    PickUp,
    PlaceOrder,
    StartCooking,
)
from domain.events import (
    EVENT_CLASSES,
    InventoryReservationFailed,
    InventoryReserved,
    OrderCancelled,
    OrderCookingStarted,
    OrderPlaced,
    OrderReady,
    OrderRejected,
    PaymentFailed,
    PaymentProcessed,
)
from services.container import Services
from services.sql import utcnow
from workflows.contracts import Slas

COMMANDS: dict[type[Command], CommandHandler] = {
    PlaceOrder: commands.place_order,
    CancelOrder: commands.cancel_order,
    StartCooking: commands.start_cooking,
    MarkReady: commands.mark_ready,
    PickUp: commands.pick_up,
    MarkDelivered: commands.mark_delivered,
}

CONSUMERS: dict[str, Reactions] = {
    "orders": {
        PaymentProcessed: orders.confirm_paid_order,
        InventoryReservationFailed: orders.reject_unstocked_order,
        PaymentFailed: orders.reject_unpaid_order,
    },
    "inventory": {
        OrderPlaced: inventory.reserve_stock,
        InventoryReservationFailed: inventory.release_stock,
        PaymentFailed: inventory.release_stock,
        OrderRejected: inventory.release_stock,
        OrderCancelled: inventory.release_stock,
    },
    "payments": {
        InventoryReserved: payments.charge_order,
        PaymentFailed: payments.refund_order,
        OrderRejected: payments.refund_order,
        OrderCancelled: payments.refund_order,
    },
    "kitchen": {
        OrderCookingStarted: kitchen.move_ticket,
        OrderReady: kitchen.move_ticket,
        OrderCancelled: kitchen.cancel_ticket,
        OrderRejected: kitchen.cancel_ticket,
    },
    "notifications": {cls: notifications.notify_customer for cls in notifications.WHAT_TO_SEND},
    # The timeline consumer also counts analytics, in the same transaction.
    "timeline": {cls: record_in_read_models for cls in EVENT_CLASSES.values()},
}

UNDOS: frozenset[EventHandler] = frozenset(
    {inventory.release_stock, payments.refund_order, kitchen.cancel_ticket}
)
"""Compensations: like the saga's undos, they are retried without bound, never parked."""

IN_ORDER = frozenset({"timeline"})
"""Consumers that handle one order's messages one at a time (orders side by side), so each
order's timeline keeps the stream's order."""


def bootstrap(
    services: Services,
    store: Store,
    slas: Slas | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> MessageBus:
    """The bus over real or fake dependencies (an ``InMemoryStore``, a fixed clock)."""
    deps = Deps(services=services, store=store, slas=slas or Slas(), clock=clock)
    return MessageBus(deps, COMMANDS, CONSUMERS, commands.apply_reported_event, UNDOS)
