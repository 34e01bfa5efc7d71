"""What the saga's record local activity writes, in one transaction.

One append of the order's events touches three services' tables: the event
log and view (``services.orders``), the analytics counters
(``services.analytics``) and, when a ticket move rides along, the kitchen
ticket (``services.kitchen``). Written together they cost one commit instead
of three, and a retried append finds all three done or none.
"""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from infra.database import transaction
from services.analytics import count_events
from services.kitchen import move_ticket
from services.messages import RecordEvents
from services.orders import count_recorded, write_record


class EventRecording:
    """Appends an order's events to the log, view, analytics and kitchen ticket at once."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def record(self, req: RecordEvents) -> None:
        """Write ``req`` everywhere it belongs; safe to repeat."""
        async with transaction(self._sessions) as session:
            await count_events(session, req.events)
            if req.ticket is not None:
                await move_ticket(session, req.ticket.order_id, req.ticket.status)
            # The view last: its updated_at (the change feed's cursor) is stamped closest
            # to the commit, so the feed's read-behind window covers the gap.
            recorded = await write_record(session, req)
        count_recorded(recorded)
