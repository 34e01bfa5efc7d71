"""Commands: imperative requests that one handler accepts or refuses.

Commands carry no clock or random defaults, so the saga can build them
deterministically.
"""

from pydantic import BaseModel, ConfigDict, Field

from domain.order import Customer, OrderItem


class Command(BaseModel):
    """Base of all commands; each names the order it is about."""

    model_config = ConfigDict(frozen=True)

    order_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class PlaceOrder(Command):
    """A customer places an order."""

    customer: Customer
    items: list[OrderItem] = Field(min_length=1, max_length=20)
    delivery_address: str = Field(min_length=3, max_length=300)


class CancelOrder(Command):
    """The customer or an admin cancels an order before cooking starts."""

    reason: str = Field(default="cancelled on request", max_length=300)
    requested_by: str = Field(default="customer", pattern=r"^(customer|admin)$")


class StartCooking(Command):
    """The kitchen starts cooking a confirmed order."""


class MarkReady(Command):
    """The kitchen has finished cooking."""


class PickUp(Command):
    """A driver picks the order up for delivery."""

    driver_id: str | None = Field(default=None, max_length=64)


class MarkDelivered(Command):
    """The driver handed the order over."""
