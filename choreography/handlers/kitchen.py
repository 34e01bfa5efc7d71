"""The kitchen's reaction: a cancelled order comes off the queue."""

from choreography.deps import Deps
from choreography.model import NOTHING, Change, Delivery
from domain.events import OrderCancelled
from services.messages import CancelTicket


async def cancel_ticket(delivery: Delivery[OrderCancelled], deps: Deps) -> Change:
    """Compensation: cancel the order's kitchen ticket (no event: the saga records none either)."""
    cancelled = delivery.event
    request = CancelTicket(
        order_id=cancelled.order_id, idempotency_key=deps.key(cancelled, "cancel-kitchen-ticket")
    )
    await deps.services.kitchen.cancel_ticket(request)
    return NOTHING
