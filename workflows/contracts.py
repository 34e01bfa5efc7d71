"""The order workflow's input and its queryable state."""

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field

from domain.commands import PlaceOrder
from services.messages import OrderSnapshot


class Slas(BaseModel):
    """How long each stage may take before the customer hears of a delay."""

    model_config = ConfigDict(frozen=True)

    cooking: timedelta = timedelta(minutes=15)
    ready: timedelta = timedelta(minutes=30)
    delivery: timedelta = timedelta(minutes=45)


class OrderInput(BaseModel):
    """What starts an order saga: the customer's order and the SLAs in force."""

    model_config = ConfigDict(frozen=True)

    order: PlaceOrder
    slas: Slas = Field(default_factory=Slas)


class OrderState(OrderSnapshot):
    """The live state the ``state`` query and every update return."""

    event_types: list[str] = Field(default_factory=list)
    cancel_requested: bool = False
    terminal: bool = False
    held_events: list[str] = Field(default_factory=list)
    """Types of domain events that arrived early and wait for the stage before them."""
