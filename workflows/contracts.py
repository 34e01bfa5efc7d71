"""The order workflow's input, its queryable state, and the admin's requests for stuck undos."""

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


class AttentionRequest(BaseModel):
    """An admin's request about an order's undos past their retry bound.

    Not a domain command: only the saga keeps such undos (choreography parks them
    as dead letters), so no choreography handler takes these.
    """

    model_config = ConfigDict(frozen=True)

    order_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class RetryCompensation(AttentionRequest):
    """Try the undos past their retry bound again now."""

    requested_by: str = Field(default="admin", max_length=64)


class ResolveCompensation(AttentionRequest):
    """The stuck undos were settled by hand (e.g. refunded at the till)."""

    note: str = Field(min_length=1, max_length=300, examples=["refunded by hand at the till"])
    resolved_by: str = Field(default="admin", max_length=64)
