"""Every state change, written down twice: search attributes and the event log.

``EventRecorder.record`` stamps the order's search attributes when the status
moved (or the order's need for a person changed), then appends the new events
to the event log and read model through one local activity (with the order's
contact, the first time, so it is stored in the transaction that records
OrderPlaced). A lock keeps appends in causal order when signal and update
handlers record at the same time; events recorded while an append is in flight
ride along with the next one, so bursts cost one local activity. A kitchen
ticket move rides along the same way: the ticket lives in our own database like
the log, and an activity of its own would lengthen every order's history.
"""

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from temporalio import workflow

from workflows.names import (
    SA_CUSTOMER_ID,
    SA_NEEDS_ATTENTION,
    SA_ORDER_STATUS,
    SA_ORDER_TOTAL,
    SA_PIZZA_COUNT,
)
from workflows.policies import RECORD_RETRY, RECORD_TIMEOUT

with workflow.unsafe.imports_passed_through():
    from activities.order import OrderActivities
    from domain.events import DomainEvent, Event
    from domain.order import pizza_count
    from services.messages import MoveTicket, OrderContact, OrderSnapshot, RecordEvents

E = TypeVar("E", bound=DomainEvent)


class EventRecorder:
    """Creates events deterministically and records them in order."""

    def __init__(self, order_id: str, snapshot: Callable[[], OrderSnapshot]) -> None:
        self._order_id = order_id
        self._snapshot = snapshot
        self._lock = asyncio.Lock()
        self._pending: list[Event] = []
        self._contact: OrderContact | None = None
        self._ticket: MoveTicket | None = None
        self.types: list[str] = []

    def new(self, cls: type[E], **fields: Any) -> E:
        """An event of ``cls`` with a workflow-deterministic id and time."""
        return cls(
            event_id=workflow.uuid4(),
            order_id=self._order_id,
            occurred_at=workflow.now(),
            **fields,
        )

    def note(self, *events: Event) -> None:
        """Events that change no status: they ride along with the next append, in order."""
        self._pending.extend(events)
        self.types.extend(event.type for event in events)

    async def record(
        self,
        *events: Event,
        contact: OrderContact | None = None,
        ticket: MoveTicket | None = None,
    ) -> None:
        """Stamp search attributes and append ``events`` to the log, in order.

        Without events it still writes the current snapshot to the read model.
        ``contact`` rides along with the same append; ``ticket`` moves the kitchen
        ticket in it.
        """
        self._pending.extend(events)
        self._contact = contact or self._contact
        self._ticket = ticket or self._ticket
        self.types.extend(event.type for event in events)
        self._stamp_search_attributes()
        async with self._lock:
            if (events or ticket) and not self._pending and self._ticket is None:
                return  # an earlier caller's append already carried these
            batch, self._pending = self._pending, []
            contact, self._contact = self._contact, None
            move, self._ticket = self._ticket, None
            request = RecordEvents(
                snapshot=self._snapshot(),
                events=batch,
                contact=contact,
                ticket=move,
                version=len(self.types),
            )
            await workflow.execute_local_activity_method(
                OrderActivities.record_events,
                request,
                start_to_close_timeout=RECORD_TIMEOUT,
                retry_policy=RECORD_RETRY,
            )

    def _stamp_search_attributes(self) -> None:
        snapshot = self._snapshot()
        current = workflow.info().typed_search_attributes
        # Only on a change: an order that never needs a person never carries the flag.
        if bool(current.get(SA_NEEDS_ATTENTION)) != snapshot.needs_attention:
            workflow.upsert_search_attributes(
                [SA_NEEDS_ATTENTION.value_set(snapshot.needs_attention)]
            )
        if current.get(SA_ORDER_STATUS) == snapshot.status.value:
            return
        workflow.upsert_search_attributes(
            [
                SA_ORDER_STATUS.value_set(snapshot.status.value),
                SA_CUSTOMER_ID.value_set(snapshot.customer_id),
                SA_ORDER_TOTAL.value_set(float(snapshot.total)),
                SA_PIZZA_COUNT.value_set(pizza_count(snapshot.items)),
            ]
        )
