"""The order view in choreography: the order store's row and outbox, read as of one moment.

Every event of an order, whichever service emitted it, is committed to the
outbox with the state change that caused it, so the outbox is the order's
timeline and its status is never ahead of it. With no coordinator keeping a
compensation stack, the undo steps are read off the events they left.
"""

from choreography.model import StoredOrder
from domain.event_codec import encode
from domain.events import Event
from services.contacts import contact_of
from services.messages import CompensationRecord, OrderSnapshot, OrderView
from services.orders import timeline_entry

UNDO_STEPS = {"PaymentRefunded": "refund_payment", "InventoryReleased": "release_inventory"}
"""Events that show an undo has run, named as the saga's compensation steps are."""
SORRY = frozenset({"cancellation", "rejection"})


def compensations(events: list[Event]) -> list[CompensationRecord]:
    """The undo steps the events show as done, in the order they happened."""
    done: list[str] = []
    for event in events:
        step = UNDO_STEPS.get(event.type)
        if step is None and event.type in ("NotificationSent", "NotificationFailed"):
            step = "notify_customer" if event.purpose in SORRY else None
        if step is not None and step not in done:
            done.append(step)
    return [CompensationRecord(step=step, outcome="done") for step in done]


def view_of(stored: StoredOrder, events: list[Event]) -> OrderView:
    """The view of an order whose store holds ``stored`` and whose outbox holds ``events``."""
    snapshot = OrderSnapshot.of(stored.order, compensations(events))
    return OrderView(
        **snapshot.model_dump(),
        contact=contact_of(stored.order),
        timeline=[timeline_entry(encode(event)) for event in events],
        version=stored.version,
    )
