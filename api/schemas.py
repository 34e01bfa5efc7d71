"""Request and response bodies of the HTTP API, with the examples OpenAPI shows.

Money is ``Decimal`` and leaves as a decimal string, never a float.
"""

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.menu import Size
from domain.order import Customer, OrderItem, OrderStatus
from services.messages import CompensationRecord, TimelineEntry

ORDER_EXAMPLE: dict[str, Any] = {
    "customer": {
        "id": "cust-42",
        "name": "Luigi",
        "phone": "+39 055 123 4567",
        "email": "luigi@example.com",
    },
    "items": [{"pizza": "margherita", "size": "large", "quantity": 2}],
    "delivery_address": "Via Roma 1, Firenze",
}


ORDER_VIEW_EXAMPLE: dict[str, Any] = {
    "order_id": "0b6f1c2e-5d2a-5a7e-9a51-1f0c8e6e2d11",
    "status": "CONFIRMED",
    "customer_id": "cust-42",
    "customer": {
        "name": "Luigi",
        "phone": "+39 055 123 4567",
        "email": "luigi@example.com",
        "delivery_address": "Via Roma 1, Firenze",
    },
    "total": "27.00",
    "items": [{"pizza": "margherita", "size": "large", "quantity": 2}],
    "timeline": [
        {
            "type": "OrderPlaced",
            "occurred_at": "2026-11-23T12:00:00.120Z",
            "event_id": "4910df54-f33c-4578-931e-caefc130c2ad",
            "data": {"total": "27.00"},
        },
        {
            "type": "OrderConfirmed",
            "occurred_at": "2026-11-23T12:00:00.410Z",
            "event_id": "a12f5c61-4353-4f70-97d1-5a3267316b9d",
            "data": {"ticket_id": "tkt_6b73e955", "total": "27.00"},
        },
    ],
    "compensations": [],
    "links": {
        "self": "http://localhost:8000/orders/0b6f1c2e-5d2a-5a7e-9a51-1f0c8e6e2d11",
        "workflow": "http://localhost:8233/namespaces/default/workflows/"
        "order-0b6f1c2e-5d2a-5a7e-9a51-1f0c8e6e2d11",
    },
}


class Body(BaseModel):
    """Base of request bodies: frozen, and unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class PlaceOrderRequest(Body):
    """What a customer orders."""

    model_config = ConfigDict(json_schema_extra={"examples": [ORDER_EXAMPLE]})

    customer: Customer
    items: list[OrderItem] = Field(min_length=1, max_length=20)
    delivery_address: str = Field(min_length=3, max_length=300)


class CancelRequest(Body):
    """Why the order is cancelled (optional)."""

    reason: str = Field(
        default="cancelled on request", max_length=300, examples=["changed my mind"]
    )


class PickUpRequest(Body):
    """Which driver picked the order up (optional)."""

    driver_id: str | None = Field(default=None, max_length=64, examples=["driver-7"])


class Links(BaseModel):
    """Where to read the order over HTTP and where to inspect its workflow in the Temporal UI
    (null in choreography mode, which runs no workflow)."""

    self: str = Field(examples=["http://localhost:8000/orders/0b6f1c2e"])
    workflow: str | None = Field(
        examples=["http://localhost:8233/namespaces/default/workflows/order-0b6f1c2e"]
    )


class CustomerDetails(BaseModel):
    """The customer's contact details, as far as the caller may see them (null: not for you)."""

    name: str | None = Field(default=None, examples=["Luigi"])
    phone: str | None = Field(default=None, examples=["+39 055 123 4567"])
    email: str | None = Field(default=None, examples=["luigi@example.com"])
    delivery_address: str | None = Field(default=None, examples=["Via Roma 1, Firenze"])


class OrderResponse(BaseModel):
    """An order as the API shows it: live status, lines, total, timeline and compensations.

    ``customer`` is there for the owner, admins, and a driver for an order it may
    deliver (name, phone and address only); null for everyone else.
    """

    model_config = ConfigDict(json_schema_extra={"examples": [ORDER_VIEW_EXAMPLE]})

    order_id: str
    status: OrderStatus
    customer_id: str
    customer: CustomerDetails | None = None
    total: Decimal = Field(examples=["27.00"])
    items: list[OrderItem]
    timeline: list[TimelineEntry] = Field(default_factory=list)
    compensations: list[CompensationRecord] = Field(default_factory=list)
    needs_attention: bool = Field(
        default=False, description="An undo is past its retry bound and waits for an admin"
    )
    links: Links


class OrderSummary(BaseModel):
    """One row of an order list."""

    order_id: str
    status: OrderStatus
    customer_id: str
    total: Decimal
    items: list[OrderItem]
    needs_attention: bool = False
    links: Links


class ResolveRequest(Body):
    """How an admin settled the stuck undo by hand."""

    note: str = Field(min_length=1, max_length=300, examples=["refunded by hand at the till"])


class OrderList(BaseModel):
    """Orders from the read model."""

    orders: list[OrderSummary]


class MenuPizza(BaseModel):
    """A pizza on the menu and its price per size."""

    id: str = Field(examples=["margherita"])
    name: str = Field(examples=["Margherita"])
    prices: dict[Size, Decimal] = Field(
        examples=[{"small": "8.50", "medium": "11.00", "large": "13.50"}]
    )
    ingredients: list[str]


class MenuResponse(BaseModel):
    """Everything a customer can order."""

    pizzas: list[MenuPizza]
    sizes: list[Size]


class FieldError(BaseModel):
    """One field that failed validation."""

    field: str = Field(examples=["items[0].pizza"])
    message: str = Field(examples=["Value error, 'hawaii' is not on the menu"])


class ErrorBody(BaseModel):
    """Every error the API sends: a message a person can act on, and the failing fields (422)."""

    detail: str = Field(examples=["no order with id '0b6f1c2e'"])
    errors: list[FieldError] | None = None


class EventAccepted(BaseModel):
    """A CloudEvent handed to its order."""

    event_id: str
    order_id: str
    type: str = Field(examples=["OrderDelayed"])


class Health(BaseModel):
    """Liveness or readiness and the state of each dependency."""

    status: Literal["ok", "ready", "unavailable"]
    checks: dict[str, str] = Field(default_factory=dict)
