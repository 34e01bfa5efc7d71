"""The Order aggregate and its state machine.

Every status change goes through ``Order.transition_to``; a move the table
below does not allow raises ``IllegalTransition``, so neither the saga nor a
choreography handler can put an order into an impossible state.
"""

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator

from domain.errors import IllegalTransition
from domain.menu import Size, ingredients_for, price
from domain.menu import pizza as menu_pizza

MAX_QUANTITY = 20


class OrderStatus(StrEnum):
    """Where an order is in its life."""

    PLACED = "PLACED"
    CONFIRMED = "CONFIRMED"
    COOKING = "COOKING"
    READY = "READY"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"
    REJECTED = "REJECTED"


S = OrderStatus
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PLACED: frozenset({S.CONFIRMED, S.REJECTED, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.COOKING, S.CANCELLED}),
    S.COOKING: frozenset({S.READY}),
    S.READY: frozenset({S.OUT_FOR_DELIVERY}),
    S.OUT_FOR_DELIVERY: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset(),
    S.CANCELLED: frozenset(),
    S.REJECTED: frozenset(),
}
TERMINAL: frozenset[OrderStatus] = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)


def can_transition(current: OrderStatus, target: OrderStatus) -> bool:
    """Whether the state machine allows ``current`` → ``target``."""
    return target in TRANSITIONS[current]


class Customer(BaseModel):
    """Who ordered, and how to reach them."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    name: str = Field(min_length=1, max_length=120)
    phone: str = Field(pattern=r"^\+?[0-9 ()-]{6,20}$", examples=["+39 055 123 4567"])
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)


class OrderItem(BaseModel):
    """One line of an order: a menu pizza, a size and how many."""

    model_config = ConfigDict(frozen=True)

    pizza: str = Field(examples=["margherita"])
    size: Size
    quantity: int = Field(ge=1, le=MAX_QUANTITY)

    @field_validator("pizza")
    @classmethod
    def _on_the_menu(cls, value: str) -> str:
        menu_pizza(value)  # raises UnknownPizza (a ValueError for pydantic) if absent
        return value

    @property
    def subtotal(self) -> Decimal:
        """Unit price times quantity."""
        return price(self.pizza, self.size) * self.quantity


def order_total(items: list[OrderItem]) -> Decimal:
    """The sum of all lines, in euros with two decimals."""
    return sum((item.subtotal for item in items), Decimal("0.00"))


def pizza_count(items: list[OrderItem]) -> int:
    """How many pizzas the order makes."""
    return sum(item.quantity for item in items)


def ingredients_needed(items: list[OrderItem]) -> dict[str, int]:
    """Ingredient portions the kitchen needs for these lines."""
    return ingredients_for([(item.pizza, item.quantity) for item in items])


class Order(BaseModel):
    """The aggregate: an order and its status, immutable; transitions return a new Order."""

    model_config = ConfigDict(frozen=True)

    order_id: str
    customer: Customer
    items: list[OrderItem] = Field(min_length=1)
    delivery_address: str = Field(min_length=3, max_length=300)
    status: OrderStatus = OrderStatus.PLACED

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total(self) -> Decimal:
        """What the customer pays."""
        return order_total(self.items)

    def transition_to(self, target: OrderStatus) -> "Order":
        """The same order in ``target`` status, or ``IllegalTransition``."""
        if not can_transition(self.status, target):
            raise IllegalTransition(self.status.value, target.value)
        return self.model_copy(update={"status": target})


HAPPY_PATH: tuple[OrderStatus, ...] = (
    S.PLACED,
    S.CONFIRMED,
    S.COOKING,
    S.READY,
    S.OUT_FOR_DELIVERY,
    S.DELIVERED,
)


def reached(current: OrderStatus, target: OrderStatus) -> bool:
    """Whether an order in ``current`` is at or past ``target`` on the happy path."""
    if current not in HAPPY_PATH or target not in HAPPY_PATH:
        return current == target
    return HAPPY_PATH.index(current) >= HAPPY_PATH.index(target)
