"""Projections: every event reaches the orders read model (timeline) and analytics.

Both services are idempotent by ``event_id`` themselves; the inbox row the bus
writes afterwards only saves the second call.
"""

from choreography.deps import Deps
from choreography.model import NOTHING, Change, Delivery
from domain.events import Event
from services.messages import RecordEvents


async def record_in_timeline(delivery: Delivery[Event], deps: Deps) -> Change:
    """Append the event to the order's timeline and refresh its view from the order store."""
    event = delivery.event
    stored = await deps.load(event.order_id)
    record = RecordEvents(snapshot=stored.snapshot(), events=[event], version=stored.version)
    await deps.services.orders.record(record)
    return NOTHING


async def count_in_analytics(delivery: Delivery[Event], deps: Deps) -> Change:
    """Count the event in the daily metrics."""
    await deps.services.analytics.record(delivery.event)
    return NOTHING
