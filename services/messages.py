"""What goes in and out of each service: one frozen model per call.

Activities (orchestration) and bus handlers (choreography) pass these same
models straight through, so both modes call the services the same way. Every
mutating request carries an ``idempotency_key``: the same key twice has one
effect and returns the first result.
"""

from datetime import datetime
from decimal import Decimal
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field

from domain.events import Channel, Event, Purpose
from domain.order import Order, OrderItem, OrderStatus


class Message(BaseModel):
    """Base for service requests and results."""

    model_config = ConfigDict(frozen=True)


class Keyed(Message):
    """A mutating request: ``idempotency_key`` makes repeating it harmless."""

    order_id: str
    idempotency_key: str = Field(min_length=1, max_length=200)


# inventory
class ReserveStock(Keyed):
    """Set aside the ingredients for an order's items."""

    items: list[OrderItem]


class LowStock(Message):
    """An ingredient under its restock threshold after a reservation."""

    ingredient: str
    remaining: int
    threshold: int


class StockReserved(Message):
    """What was set aside, and which ingredients are now running low."""

    ingredients: dict[str, int]
    low: list[LowStock] = Field(default_factory=list)


class ReleaseStock(Keyed):
    """Give an order's reservation back to stock (compensation)."""


class StockReleased(Message):
    """What went back to stock; empty when nothing was reserved or it was released already."""

    ingredients: dict[str, int] = Field(default_factory=dict)


# payments
class ChargePayment(Keyed):
    """Charge the customer for an order."""

    customer_id: str
    amount: Decimal


class PaymentReceipt(Message):
    """A successful charge."""

    payment_id: str
    amount: Decimal


class RefundPayment(Keyed):
    """Pay back whatever was charged for the order (compensation)."""


class RefundReceipt(Message):
    """What was refunded; ``payment_id`` is None when nothing had been charged."""

    payment_id: str | None = None
    amount: Decimal = Decimal("0.00")


# kitchen
class OpenTicket(Keyed):
    """Put the order on the kitchen queue."""

    items: list[OrderItem]


class Ticket(Message):
    """A kitchen ticket."""

    ticket_id: str
    order_id: str
    status: Literal["queued", "cooking", "ready", "cancelled"]


class CancelTicket(Keyed):
    """Take the order off the kitchen queue (compensation)."""


class MoveTicket(Keyed):
    """Move the order's ticket forward as the order moves (cooking, then ready)."""

    status: Literal["cooking", "ready"]


class TicketCancelled(Message):
    """Whether a ticket existed and is now cancelled."""

    ticket_id: str | None = None
    cancelled: bool = False


# notifications (sms and email)
class SendNotification(Keyed):
    """Tell the customer something; the service renders the text from ``purpose``."""

    channel: Channel
    purpose: Purpose
    recipient: str
    customer_name: str
    details: dict[str, str] = Field(default_factory=dict)


class NotificationReceipt(Message):
    """The provider accepted the message."""

    message_id: str
    channel: Channel


class SendNotifications(Message):
    """One purpose's messages (say an SMS and an email), each with its own idempotency key."""

    notifications: list[SendNotification]


class NotificationsSent(Message):
    """Every message of the purpose was accepted, one receipt each."""

    receipts: list[NotificationReceipt]


# orders read model and event log
class CompensationRecord(Message):
    """One compensation step as it stands: done, failed (with the reason) or resolved by hand."""

    step: str
    outcome: Literal["done", "failed", "resolved"]
    detail: str = ""


class OrderSnapshot(Message):
    """The order's current state, as the read model stores it."""

    order_id: str
    status: OrderStatus
    customer_id: str
    total: Decimal
    items: list[OrderItem]
    compensations: list[CompensationRecord] = Field(default_factory=list)
    needs_attention: bool = False

    @classmethod
    def of(
        cls,
        order: Order,
        compensations: list[CompensationRecord] | None = None,
        needs_attention: bool = False,
    ) -> Self:
        """The snapshot of ``order``, with the compensations that ran so far."""
        return cls(
            order_id=order.order_id,
            status=order.status,
            customer_id=order.customer.id,
            total=order.total,
            items=order.items,
            compensations=compensations or [],
            needs_attention=needs_attention,
        )


class RecordEvents(Message):
    """Append events to the order's log (idempotent by ``event_id``) and update the view.

    ``ticket`` rides along when the order's move also moves its kitchen ticket.
    ``contact`` comes with the order's first record (its OrderPlaced) and is stored
    once, in the same transaction, in the order's own record instead of the event.
    """

    snapshot: OrderSnapshot
    events: list[Event]
    ticket: MoveTicket | None = None
    contact: "OrderContact | None" = None
    version: int = 0
    """How many changes the writer had made when it took ``snapshot``; the view keeps
    the highest, so a late (retried, delayed) write never rolls it back."""


class TimelineEntry(Message):
    """One event in an order's history."""

    type: str
    occurred_at: datetime
    event_id: str
    data: dict[str, object] = Field(default_factory=dict)


class OrderContact(Message):
    """Who the order is for and where it goes: personal data, shown only to roles allowed to."""

    name: str
    phone: str
    email: str
    delivery_address: str


class OrderView(OrderSnapshot):
    """The read model's picture of an order: snapshot plus timeline."""

    contact: OrderContact | None = None
    timeline: list[TimelineEntry] = Field(default_factory=list)
    updated_at: datetime | None = None
    version: int = 0


# fault injection
class Fault(Message):
    """How a provider misbehaves: down (retryable outage), slow (delay) or decline (payments).

    ``remaining`` counts the calls still affected; None means until cleared.
    """

    mode: Literal["down", "slow", "decline"]
    remaining: int | None = Field(default=None, ge=1)
    delay_seconds: float = Field(default=0.0, ge=0, le=60)


# payments ledger
class LedgerEntry(Message):
    """One line of an order's payment ledger: a charge, a refund or a provider decline."""

    entry_id: str
    order_id: str
    kind: Literal["charge", "refund", "declined"]
    payment_id: str | None = None
    amount: Decimal
    reason: str = ""
    created_at: datetime


# analytics
class DailyMetrics(Message):
    """Order counts and revenue for one UTC day."""

    day: str
    placed: int = 0
    confirmed: int = 0
    delivered: int = 0
    cancelled: int = 0
    rejected: int = 0
    delayed: int = 0
    revenue: Decimal = Decimal("0.00")


class OrderMetrics(Message):
    """Totals over all days, and the days themselves (oldest first)."""

    placed: int = 0
    confirmed: int = 0
    delivered: int = 0
    cancelled: int = 0
    rejected: int = 0
    delayed: int = 0
    revenue: Decimal = Decimal("0.00")
    days: list[DailyMetrics] = Field(default_factory=list)


# notifications sent
class SentNotification(Message):
    """A notification as the service recorded it."""

    order_id: str
    channel: Channel
    purpose: Purpose
    recipient: str
    subject: str
    body: str
    status: Literal["pending", "sent"]
    message_id: str | None = None
    created_at: datetime
