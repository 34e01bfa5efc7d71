"""The order saga's forward path: from placed to delivered, driven by staff and events."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from domain.commands import PickUp, StartCooking
from domain.events import OrderCookingStarted, OrderReady
from domain.order import OrderStatus
from tests.support import drive_to_delivered, settled_history_length, status_is, wait_for_state
from tests.workflows.conftest import Saga
from workflows.contracts import Slas
from workflows.names import (
    SIGNAL_DOMAIN_EVENT,
    UPDATE_PICK_UP,
    UPDATE_START_COOKING,
)

S = OrderStatus
WORKFLOW_TASK_BOOKKEEPING = {
    "EVENT_TYPE_WORKFLOW_TASK_SCHEDULED",
    "EVENT_TYPE_WORKFLOW_TASK_STARTED",
    "EVENT_TYPE_WORKFLOW_TASK_COMPLETED",
}
HAPPY_EVENTS = [
    "OrderPlaced",
    "InventoryReserved",
    "PaymentProcessed",
    "OrderConfirmed",
    "OrderCookingStarted",
    "OrderReady",
    "OrderOutForDelivery",
    "OrderDelivered",
]


async def test_happy_path_reaches_delivered_with_every_side_effect_once(saga: Saga) -> None:
    handle = await saga.start(quantity=2)
    state = await wait_for_state(handle, status_is(S.CONFIRMED))
    order_id = state.order_id
    await drive_to_delivered(handle, order_id)
    result = await handle.result()

    assert result.status is S.DELIVERED
    business = [t for t in result.event_types if not t.startswith("Notification")]
    assert business == HAPPY_EVENTS
    assert result.event_types.count("NotificationSent") == 3  # SMS + email, out-for-delivery SMS
    view = await saga.services.orders.get(order_id)
    assert view is not None and view.status is S.DELIVERED
    assert [entry.type for entry in view.timeline] == result.event_types
    ledger = await saga.services.payments.ledger(order_id)
    assert [(entry.kind, entry.amount) for entry in ledger] == [("charge", result.total)]
    ticket = await saga.services.kitchen.ticket(order_id)
    assert ticket is not None and ticket.status == "ready"


async def test_each_status_change_is_in_the_read_model_as_it_happens(saga: Saga) -> None:
    handle = await saga.start()
    state = await wait_for_state(handle, status_is(S.CONFIRMED))
    await handle.execute_update(UPDATE_START_COOKING, StartCooking(order_id=state.order_id))
    view = await saga.services.orders.get(state.order_id)
    assert view is not None and view.status is S.COOKING
    # Confirmation texts may still land after it: they run in the background.
    business = [entry.type for entry in view.timeline if not entry.type.startswith("Notif")]
    assert business[-2:] == ["OrderConfirmed", "OrderCookingStarted"]


async def test_illegal_transition_via_update_is_rejected_and_history_unchanged(saga: Saga) -> None:
    handle = await saga.start()
    # Wait for the confirmation texts so nothing else is writing history meanwhile.
    state = await wait_for_state(handle, lambda s: s.event_types.count("NotificationSent") == 2)
    history_before = await settled_history_length(handle)

    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(UPDATE_PICK_UP, PickUp(order_id=state.order_id))

    cause = refused.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "IllegalTransition"
    assert "CONFIRMED cannot become OUT_FOR_DELIVERY" in cause.message
    # The time-skipping server lacks speculative workflow tasks, so it may log one empty
    # task; nothing else may appear (the real server is checked for strict equality).
    added = (await handle.fetch_history()).events[history_before:]
    assert {EventType.Name(e.event_type) for e in added} <= WORKFLOW_TASK_BOOKKEEPING
    assert (await wait_for_state(handle, status_is(S.CONFIRMED))).status is S.CONFIRMED


async def test_domain_events_arrive_as_signals_and_a_repeated_event_id_applies_once(
    saga: Saga,
) -> None:
    handle = await saga.start()
    state = await wait_for_state(handle, status_is(S.CONFIRMED))
    envelope = {"order_id": state.order_id, "occurred_at": datetime.now(UTC)}
    cooking = OrderCookingStarted(event_id=uuid4(), **envelope)

    await handle.signal(SIGNAL_DOMAIN_EVENT, cooking)
    await handle.signal(SIGNAL_DOMAIN_EVENT, cooking)
    await handle.signal(SIGNAL_DOMAIN_EVENT, OrderReady(event_id=uuid4(), **envelope))
    state = await wait_for_state(handle, status_is(S.READY))

    assert state.event_types.count("OrderCookingStarted") == 1
    view = await saga.services.orders.get(state.order_id)
    assert view is not None
    assert [e.event_id for e in view.timeline].count(str(cooking.event_id)) == 1


async def test_an_early_ready_event_is_held_until_cooking_starts_then_applied(
    saga: Saga,
) -> None:
    handle = await saga.start()
    state = await wait_for_state(handle, status_is(S.CONFIRMED))
    envelope = {"order_id": state.order_id, "occurred_at": datetime.now(UTC)}
    ready = OrderReady(event_id=uuid4(), **envelope)
    await handle.signal(SIGNAL_DOMAIN_EVENT, ready)

    held = await wait_for_state(handle, lambda s: s.held_events == ["OrderReady"])
    assert held.status is S.CONFIRMED
    await handle.execute_update(UPDATE_START_COOKING, StartCooking(order_id=state.order_id))

    state = await wait_for_state(handle, status_is(S.READY))
    business = [t for t in state.event_types if not t.startswith("Notification")]
    assert business[-2:] == ["OrderCookingStarted", "OrderReady"] and state.held_events == []
    view = await saga.services.orders.get(state.order_id)
    assert view is not None and str(ready.event_id) in [e.event_id for e in view.timeline]


async def test_many_early_events_for_one_stage_are_held_once_and_applied_once(
    saga: Saga,
) -> None:
    handle = await saga.start()
    state = await wait_for_state(handle, status_is(S.CONFIRMED))
    envelope = {"order_id": state.order_id, "occurred_at": datetime.now(UTC)}
    for _ in range(30):  # a chatty kitchen display: each with its own id
        await handle.signal(SIGNAL_DOMAIN_EVENT, OrderReady(event_id=uuid4(), **envelope))
    await handle.signal(SIGNAL_DOMAIN_EVENT, OrderCookingStarted(event_id=uuid4(), **envelope))

    state = await wait_for_state(handle, status_is(S.READY))
    assert state.event_types.count("OrderReady") == 1 and state.held_events == []


async def test_the_kitchen_ticket_follows_the_order_to_cooking_and_ready(saga: Saga) -> None:
    handle = await saga.start()
    order_id = (await wait_for_state(handle, status_is(S.CONFIRMED))).order_id
    await handle.execute_update(UPDATE_START_COOKING, StartCooking(order_id=order_id))
    cooking = await saga.services.kitchen.ticket(order_id)
    assert cooking is not None and cooking.status == "cooking"

    await drive_to_delivered(handle, order_id, start=False)
    await handle.result()

    ready = await saga.services.kitchen.ticket(order_id)
    assert ready is not None and ready.status == "ready"  # a delivered order's ticket is done
    assert order_id not in {ticket.order_id for ticket in await saga.services.kitchen.queue()}


async def test_kitchen_sla_breach_emits_order_delayed_and_texts_the_customer(saga: Saga) -> None:
    handle = await saga.start(slas=Slas())
    state = await wait_for_state(handle, status_is(S.CONFIRMED))

    await saga.skip(16 * 60)  # the kitchen has 15 minutes to start cooking
    state = await wait_for_state(
        handle, lambda s: "OrderDelayed" in s.event_types, advance_time=saga.skip
    )

    assert state.status is S.CONFIRMED  # a delay never cancels the order
    sent = await saga.services.notifications.sent(state.order_id)
    await wait_for_state(
        handle, lambda s: s.event_types.count("NotificationSent") >= 3, advance_time=saga.skip
    )
    sent = await saga.services.notifications.sent(state.order_id)
    assert [n.purpose for n in sent if n.channel == "sms"].count("delay") == 1
    view = await saga.services.orders.get(state.order_id)
    assert view is not None
    delayed = next(e for e in view.timeline if e.type == "OrderDelayed")
    assert delayed.data["stage"] == "cooking"
    await drive_to_delivered(handle, state.order_id)
    assert (await handle.result()).status is S.DELIVERED
