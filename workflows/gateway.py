"""The port through which an entry point drives orders, whichever mode runs them.

The API's routers speak only to an ``OrderGateway``; orchestration implements
it with Temporal (``api.temporal_gateway``) and choreography with the broker
(``choreography.gateway``), so both modes serve the same paths, status codes
and bodies. It lives here, below both, beside ``OrderState``: neither
implementation has to import the other's package.
"""

from typing import Protocol

from domain.commands import CancelOrder, MarkDelivered, MarkReady, PickUp, PlaceOrder, StartCooking
from domain.events import Event
from services.messages import OrderView
from workflows.contracts import OrderState, ResolveCompensation, RetryCompensation

StaffCommand = StartCooking | MarkReady | PickUp | MarkDelivered
"""A command from the kitchen or a driver that moves an order one step on."""


class OrderRefused(Exception):
    """The order cannot do what was asked in its current state (HTTP 409)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class OrderConflict(Exception):
    """The order id is taken by a different order (an Idempotency-Key reused for another body)."""


class OrderUnavailable(Exception):
    """The order's live state cannot be reached right now (e.g. no worker answered in time)."""


class OrderGateway(Protocol):
    """Starts orders, reads their live state and delivers commands and events to them.

    Unknown orders raise ``domain.errors.OrderNotFound``; refused commands
    raise ``OrderRefused`` with a reason a person can act on; ``OrderUnavailable``
    when the order cannot answer in time.
    """

    async def place(self, order: PlaceOrder) -> None:
        """Start the order unless this very order exists already; never waits for it to finish.

        ``OrderConflict`` when the id belongs to an order with different contents.
        """

    async def state(self, order_id: str) -> OrderState | None:
        """The order's live state, or None when no such order exists."""

    async def view(self, order_id: str) -> OrderView | None:
        """Status, timeline and compensations as of one moment; None until first recorded."""

    async def advance(self, command: StaffCommand) -> OrderState:
        """Move the order one step on and return its new state."""

    async def cancel(self, command: CancelOrder) -> OrderState:
        """Cancel the order; returns once compensation has run."""

    async def deliver_event(self, event: Event) -> None:
        """Hand an external domain event to the order (duplicates by event id are ignored)."""

    async def retry_compensation(self, command: RetryCompensation) -> OrderState:
        """Try the undos past their retry bound again now; the state once that try ended.

        ``OrderRefused`` when nothing of the order waits for a person.
        """

    async def resolve_compensation(self, command: ResolveCompensation) -> OrderState:
        """Mark the undos past their retry bound as settled by hand; the new state.

        ``OrderRefused`` when nothing of the order waits for a person.
        """
