"""``OrderGateway`` over the choreography: commands run their handler here and commit to the outbox.

The API process needs no broker connection to take a command: the handler's
change and its events land in the database in one transaction and the relay
publishes them. Answers and views come from the order store (its row and its
outbox, read together), in the saga's shapes.
"""

import asyncio
from typing import NoReturn

from choreography.bus import MessageBus
from choreography.handlers.commands import OrderClosed
from choreography.model import StoredOrder
from choreography.views import view_of
from domain.commands import CancelOrder, Command, PlaceOrder
from domain.errors import IllegalTransition, OrderNotFound
from domain.events import Event
from services.messages import OrderView
from workflows.contracts import OrderState, ResolveCompensation, RetryCompensation
from workflows.gateway import OrderConflict, OrderRefused, OrderUnavailable, StaffCommand

UNDO_WAIT = 20.0
"""Seconds a cancel waits for the undo by default; the saga's cancel update waits likewise."""
FIRST_PAUSE, LONGEST_PAUSE = 0.05, 0.4
"""Seconds between a cancel's looks for the undo: soon at first, then less often."""
NO_ATTENTION_DESK = (
    "order '{}' runs as choreography, where no undo waits for a person in the order: "
    "an undo a consumer gave up on is a dead letter; list and replay it with "
    "`pizzeria deadletters list` and `pizzeria deadletters replay`"
)


class ChoreographyOrderGateway:
    """Drives orders through the message bus instead of Temporal."""

    def __init__(self, bus: MessageBus, undo_wait: float = UNDO_WAIT) -> None:
        self._bus = bus
        self._undo_wait = undo_wait

    async def place(self, order: PlaceOrder) -> None:
        """Store the order and its OrderPlaced; a repeat changes nothing.

        ``OrderConflict`` when the id already belongs to an order with other contents.
        """
        stored = (await self._bus.execute(order)).order
        placed = (stored.customer, stored.items, stored.delivery_address)
        if placed != (order.customer, order.items, order.delivery_address):
            raise OrderConflict(f"order '{order.order_id}' was placed with different contents")

    async def state(self, order_id: str) -> OrderState | None:
        """The order as the order store has it, or None."""
        stored = await self._bus.deps.store.order(order_id)
        return await self._state(stored) if stored is not None else None

    async def advance(self, command: StaffCommand) -> OrderState:
        """Move the order one step on."""
        return await self._run(command)

    async def view(self, order_id: str) -> OrderView | None:
        """The order store's row and outbox, read together."""
        found = await self._bus.deps.store.history(order_id)
        return view_of(*found) if found is not None else None

    async def cancel(self, command: CancelOrder) -> OrderState:
        """Cancel, and answer once the compensating services have undone the order.

        They react to OrderCancelled on their own; with no coordinator to ask, the
        gateway watches for the undo's traces, for at most ``undo_wait`` seconds,
        and says so (``OrderUnavailable``, 503) when they have not all appeared.
        """
        try:
            stored = await self._bus.execute(command)
        except IllegalTransition as refusal:
            reason = f"an order that is {refusal.current} can no longer be cancelled"
            raise OrderRefused(reason) from None
        if not await self._until_undone(stored.order_id):
            raise OrderUnavailable(
                f"order '{stored.order_id}' is cancelled, but its refund and stock release "
                f"have not finished within {self._undo_wait:g}s; they are still being retried: "
                f"GET /orders/{stored.order_id} shows when they have"
            )
        return await self._state(await self._bus.deps.store.order(stored.order_id) or stored)

    async def _until_undone(self, order_id: str) -> bool:
        deadline = asyncio.get_running_loop().time() + self._undo_wait
        pause = FIRST_PAUSE
        while asyncio.get_running_loop().time() < deadline:
            if await self._undone(order_id):
                return True
            await asyncio.sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE)  # a slow undo is retried for seconds anyway
        return await self._undone(order_id)

    async def _undone(self, order_id: str) -> bool:
        """Charged → refunded, reserved → released (in the order's own events),
        and no open kitchen ticket."""
        types = set(await self._bus.deps.store.event_types(order_id))
        refunded = "PaymentProcessed" not in types or "PaymentRefunded" in types
        released = "InventoryReserved" not in types or "InventoryReleased" in types
        ticket = await self._bus.deps.services.kitchen.ticket(order_id)
        return refunded and released and (ticket is None or ticket.status == "cancelled")

    async def retry_compensation(self, command: RetryCompensation) -> OrderState:
        """Refused (409): the choreography's stuck undos are dead letters, replayed by the CLI."""
        await self._no_attention_desk(command.order_id)

    async def resolve_compensation(self, command: ResolveCompensation) -> OrderState:
        """Refused (409), as ``retry_compensation``."""
        await self._no_attention_desk(command.order_id)

    async def _no_attention_desk(self, order_id: str) -> NoReturn:
        if await self._bus.deps.store.order(order_id) is None:
            raise OrderNotFound(f"no order with id '{order_id}'")
        raise OrderRefused(NO_ATTENTION_DESK.format(order_id))

    async def deliver_event(self, event: Event) -> None:
        """Apply a reported kitchen or driver event; an ended order refuses it (409)."""
        try:
            await self._bus.report(event)
        except OrderClosed as closed:
            raise OrderRefused(str(closed)) from None

    async def _run(self, command: Command) -> OrderState:
        try:
            stored = await self._bus.execute(command)
        except IllegalTransition as refusal:
            raise OrderRefused(str(refusal)) from None
        return await self._state(stored)

    async def _state(self, stored: StoredOrder) -> OrderState:
        return stored.state(await self._bus.deps.store.event_types(stored.order_id))
