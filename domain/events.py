"""The event catalogue: the one contract both orchestration and choreography speak.

Events are frozen, past-tense facts. Each carries the common envelope
(``event_id``, ``order_id``, ``occurred_at``, ``version``) and a ``type``
literal that discriminates the ``Event`` union. ``domain.event_codec`` maps
them to and from CloudEvents and upcasts older versions (OrderPlaced is at v2).
"""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from domain.order import Order, OrderItem

Channel = Literal["sms", "email"]
Purpose = Literal["confirmation", "delay", "cancellation", "rejection", "out_for_delivery"]


class DomainEvent(BaseModel):
    """The envelope every event shares. ``ce_type`` is its CloudEvents type."""

    model_config = ConfigDict(frozen=True)

    ce_type: ClassVar[str]
    event_id: UUID
    order_id: str
    occurred_at: datetime
    version: int = 1


class OrderPlaced(DomainEvent):
    """A customer placed an order: who (by id), what and for how much.

    v2: no name, phone, email or address. No consumer read them; they live in
    the order's own record (the read model's contact, the choreography's order
    row). v1 events upcast by dropping them (``domain.event_codec``).
    """

    ce_type: ClassVar[str] = "com.mariospizzeria.order.placed.v2"
    type: Literal["OrderPlaced"] = "OrderPlaced"
    version: int = 2
    customer_id: str
    items: list[OrderItem]
    total: Decimal


def placed_fields(order: Order) -> dict[str, Any]:
    """What OrderPlaced says about ``order`` (everything but the envelope)."""
    return {"customer_id": order.customer.id, "items": order.items, "total": order.total}


class InventoryReserved(DomainEvent):
    """Ingredients for the order were set aside."""

    ce_type: ClassVar[str] = "com.mariospizzeria.inventory.reserved.v1"
    type: Literal["InventoryReserved"] = "InventoryReserved"
    ingredients: dict[str, int]


class InventoryReservationFailed(DomainEvent):
    """Not enough stock to make the order."""

    ce_type: ClassVar[str] = "com.mariospizzeria.inventory.reservation_failed.v1"
    type: Literal["InventoryReservationFailed"] = "InventoryReservationFailed"
    reason: str
    missing: dict[str, int] = Field(default_factory=dict)


class InventoryLow(DomainEvent):
    """An ingredient fell under its restock threshold while reserving this order."""

    ce_type: ClassVar[str] = "com.mariospizzeria.inventory.low.v1"
    type: Literal["InventoryLow"] = "InventoryLow"
    ingredient: str
    remaining: int
    threshold: int


class InventoryReleased(DomainEvent):
    """A reservation was given back to stock (compensation)."""

    ce_type: ClassVar[str] = "com.mariospizzeria.inventory.released.v1"
    type: Literal["InventoryReleased"] = "InventoryReleased"
    ingredients: dict[str, int]


class PaymentProcessed(DomainEvent):
    """The customer was charged."""

    ce_type: ClassVar[str] = "com.mariospizzeria.payment.processed.v1"
    type: Literal["PaymentProcessed"] = "PaymentProcessed"
    payment_id: str
    amount: Decimal


class PaymentFailed(DomainEvent):
    """The charge was declined, or the provider stayed down past the retry bound."""

    ce_type: ClassVar[str] = "com.mariospizzeria.payment.failed.v1"
    type: Literal["PaymentFailed"] = "PaymentFailed"
    reason: str


class PaymentRefunded(DomainEvent):
    """A charge was paid back (compensation)."""

    ce_type: ClassVar[str] = "com.mariospizzeria.payment.refunded.v1"
    type: Literal["PaymentRefunded"] = "PaymentRefunded"
    payment_id: str
    amount: Decimal


class OrderConfirmed(DomainEvent):
    """Stock and payment are secured and the kitchen has a ticket."""

    ce_type: ClassVar[str] = "com.mariospizzeria.order.confirmed.v1"
    type: Literal["OrderConfirmed"] = "OrderConfirmed"
    ticket_id: str
    total: Decimal


class OrderCookingStarted(DomainEvent):
    """The kitchen started cooking."""

    ce_type: ClassVar[str] = "com.mariospizzeria.order.cooking_started.v1"
    type: Literal["OrderCookingStarted"] = "OrderCookingStarted"


class OrderReady(DomainEvent):
    """The pizzas are out of the oven and boxed."""

    ce_type: ClassVar[str] = "com.mariospizzeria.order.ready.v1"
    type: Literal["OrderReady"] = "OrderReady"


class OrderOutForDelivery(DomainEvent):
    """A driver picked the order up."""

    ce_type: ClassVar[str] = "com.mariospizzeria.order.out_for_delivery.v1"
    type: Literal["OrderOutForDelivery"] = "OrderOutForDelivery"
    driver_id: str | None = None


class OrderDelivered(DomainEvent):
    """The customer has the pizzas."""

    ce_type: ClassVar[str] = "com.mariospizzeria.order.delivered.v1"
    type: Literal["OrderDelivered"] = "OrderDelivered"


class OrderCancelled(DomainEvent):
    """The customer or an admin cancelled before cooking; compensation has run."""

    ce_type: ClassVar[str] = "com.mariospizzeria.order.cancelled.v1"
    type: Literal["OrderCancelled"] = "OrderCancelled"
    reason: str
    cancelled_by: str


class OrderRejected(DomainEvent):
    """The pizzeria could not accept the order (stock or payment)."""

    ce_type: ClassVar[str] = "com.mariospizzeria.order.rejected.v1"
    type: Literal["OrderRejected"] = "OrderRejected"
    reason: str


class OrderDelayed(DomainEvent):
    """A kitchen or delivery deadline passed; the order goes on, the customer is told."""

    ce_type: ClassVar[str] = "com.mariospizzeria.order.delayed.v1"
    type: Literal["OrderDelayed"] = "OrderDelayed"
    stage: Literal["cooking", "ready", "delivery"]
    deadline: datetime


class NotificationSent(DomainEvent):
    """A text or email reached the provider."""

    ce_type: ClassVar[str] = "com.mariospizzeria.notification.sent.v1"
    type: Literal["NotificationSent"] = "NotificationSent"
    channel: Channel
    purpose: Purpose


class NotificationFailed(DomainEvent):
    """A text or email could not be sent after its retries; the order is unaffected."""

    ce_type: ClassVar[str] = "com.mariospizzeria.notification.failed.v1"
    type: Literal["NotificationFailed"] = "NotificationFailed"
    channel: Channel
    purpose: Purpose
    reason: str


Event = Annotated[
    OrderPlaced
    | InventoryReserved
    | InventoryReservationFailed
    | InventoryLow
    | InventoryReleased
    | PaymentProcessed
    | PaymentFailed
    | PaymentRefunded
    | OrderConfirmed
    | OrderCookingStarted
    | OrderReady
    | OrderOutForDelivery
    | OrderDelivered
    | OrderCancelled
    | OrderRejected
    | OrderDelayed
    | NotificationSent
    | NotificationFailed,
    Field(discriminator="type"),
]

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)

EVENT_CLASSES: dict[str, type[DomainEvent]] = {
    cls.__name__: cls for cls in DomainEvent.__subclasses__()
}
EVENT_TYPES_BY_CE_TYPE: dict[str, type[DomainEvent]] = {
    cls.ce_type: cls for cls in EVENT_CLASSES.values()
}
