"""Projections: every event reaches the orders read model (timeline and view) and analytics.

Both are written in one transaction (``services.recording``, as the saga's
record step does): one commit per event instead of one per projection. Both
are idempotent by ``event_id`` themselves; the inbox row the bus writes
afterwards only saves the second call.
"""

from choreography.deps import Deps
from choreography.model import NOTHING, Change, Delivery
from domain.events import Event
from services.messages import RecordEvents


async def record_in_read_models(delivery: Delivery[Event], deps: Deps) -> Change:
    """Append the event to the order's timeline, refresh its view from the order store and
    count it in the daily metrics."""
    event = delivery.event
    stored = await deps.load(event.order_id)
    record = RecordEvents(snapshot=stored.snapshot(), events=[event], version=stored.version)
    await deps.services.recording.record(record)
    return NOTHING
