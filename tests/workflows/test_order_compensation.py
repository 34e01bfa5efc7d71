"""The order saga's undo paths: refusals, cancellations, outages and failed compensations."""

import asyncio
from decimal import Decimal

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError

from domain.commands import CancelOrder, StartCooking
from domain.order import OrderStatus
from infra.database import transaction
from services.messages import Fault
from services.stock import StockRow
from tests.support import drive_to_delivered, status_is, wait_for_state
from tests.workflows.conftest import Saga
from workflows.contracts import OrderState
from workflows.names import UPDATE_CANCEL, UPDATE_START_COOKING

S = OrderStatus
FULL_UNDO = ["cancel_kitchen_ticket", "refund_payment", "release_inventory", "notify_customer"]


def steps(state: OrderState) -> list[tuple[str, str]]:
    return [(record.step, record.outcome) for record in state.compensations]


def business_events(state: OrderState) -> list[str]:
    return [t for t in state.event_types if not t.startswith("Notification")]


async def test_payment_declined_releases_inventory_and_rejects(saga: Saga) -> None:
    await saga.services.faults.set("payments", Fault(mode="decline"))
    stock_before = await saga.services.inventory.levels()
    handle = await saga.start()
    result = await handle.result()

    assert result.status is S.REJECTED
    assert business_events(result) == [
        "OrderPlaced",
        "InventoryReserved",
        "PaymentFailed",
        "OrderRejected",
        "InventoryReleased",
    ]
    assert steps(result) == [
        ("refund_payment", "done"),
        ("release_inventory", "done"),
        ("notify_customer", "done"),
    ]
    assert await saga.services.inventory.levels() == stock_before
    assert await saga.services.payments.balance(result.order_id) == Decimal("0")
    purposes = {
        (n.channel, n.purpose) for n in await saga.services.notifications.sent(result.order_id)
    }
    assert purposes == {("sms", "rejection"), ("email", "rejection")}


async def test_out_of_stock_rejects_and_charges_nothing(
    saga: Saga, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _empty_shelf(sessions, "basil")

    handle = await saga.start(quantity=2)
    result = await handle.result()

    assert result.status is S.REJECTED
    assert business_events(result) == ["OrderPlaced", "InventoryReservationFailed", "OrderRejected"]
    assert await saga.services.payments.ledger(result.order_id) == []
    view = await saga.services.orders.get(result.order_id)
    assert view is not None
    failure = next(e for e in view.timeline if e.type == "InventoryReservationFailed")
    assert "basil" in str(failure.data["reason"])


async def _empty_shelf(sessions: async_sessionmaker[AsyncSession], ingredient: str) -> None:
    async with transaction(sessions) as session:
        await session.execute(
            update(StockRow).where(col(StockRow.ingredient) == ingredient).values(quantity=0)
        )


async def test_cancel_before_cooking_undoes_ticket_payment_and_stock_in_order_once(
    saga: Saga,
) -> None:
    stock_before = await saga.services.inventory.levels()
    handle = await saga.start()
    state = await wait_for_state(handle, status_is(S.CONFIRMED))
    order_id = state.order_id

    cancelled = await handle.execute_update(
        UPDATE_CANCEL,
        CancelOrder(order_id=order_id, reason="changed my mind"),
        result_type=OrderState,
    )

    assert cancelled.status is S.CANCELLED
    assert [step for step, _ in steps(cancelled)] == FULL_UNDO
    assert all(outcome == "done" for _, outcome in steps(cancelled))
    events = business_events(cancelled)
    assert events[-3:] == ["OrderCancelled", "PaymentRefunded", "InventoryReleased"]
    assert events.count("PaymentRefunded") == 1 and events.count("InventoryReleased") == 1
    ledger = await saga.services.payments.ledger(order_id)
    assert [entry.kind for entry in ledger] == ["charge", "refund"]
    assert await saga.services.payments.balance(order_id) == Decimal("0")
    assert await saga.services.inventory.levels() == stock_before
    assert order_id not in {t.order_id for t in await saga.services.kitchen.queue()}
    assert (await handle.result()).status is S.CANCELLED
    view = await saga.services.orders.get(order_id)
    assert view is not None and [r.step for r in view.compensations] == FULL_UNDO


async def test_concurrent_cancels_share_one_compensation(saga: Saga) -> None:
    handle = await saga.start()
    state = await wait_for_state(handle, status_is(S.CONFIRMED))
    command = CancelOrder(order_id=state.order_id)
    answers = await asyncio.gather(
        *(handle.execute_update(UPDATE_CANCEL, command, result_type=OrderState) for _ in range(3))
    )
    assert {answer.status for answer in answers} == {S.CANCELLED}
    assert len(await saga.services.payments.ledger(state.order_id)) == 2  # one charge, one refund


async def test_cancel_after_the_order_ended_is_refused(saga: Saga) -> None:
    handle = await saga.start()
    state = await wait_for_state(handle, status_is(S.CONFIRMED))
    command = CancelOrder(order_id=state.order_id)
    await handle.execute_update(UPDATE_CANCEL, command)
    await handle.result()
    with pytest.raises((WorkflowUpdateFailedError, RPCError)):
        await handle.execute_update(UPDATE_CANCEL, command)


async def test_cancel_after_cooking_started_is_refused(saga: Saga) -> None:
    handle = await saga.start()
    state = await wait_for_state(handle, status_is(S.CONFIRMED))
    await handle.execute_update(UPDATE_START_COOKING, StartCooking(order_id=state.order_id))

    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(UPDATE_CANCEL, CancelOrder(order_id=state.order_id))

    cause = refused.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "IllegalTransition"
    assert "COOKING can no longer be cancelled" in cause.message
    state = await wait_for_state(handle, status_is(S.COOKING))
    assert state.compensations == [] and not state.cancel_requested


async def test_sms_outage_loses_texts_not_the_order(saga: Saga) -> None:
    await saga.services.faults.set("sms", Fault(mode="down"))
    handle = await saga.start()
    state = await wait_for_state(handle, status_is(S.CONFIRMED), advance_time=saga.skip)
    await drive_to_delivered(handle, state.order_id)
    result = await handle.result()

    assert result.status is S.DELIVERED
    assert result.event_types.count("NotificationFailed") == 2  # confirmation + out for delivery
    assert result.event_types.count("NotificationSent") == 1  # the email got through
    view = await saga.services.orders.get(result.order_id)
    assert view is not None
    failed = [e for e in view.timeline if e.type == "NotificationFailed"]
    assert {e.data["channel"] for e in failed} == {"sms"}


async def test_payment_outage_shorter_than_the_retry_bound_is_absorbed(saga: Saga) -> None:
    await saga.services.faults.set("payments", Fault(mode="down", remaining=3))
    handle = await saga.start()
    state = await wait_for_state(handle, status_is(S.CONFIRMED), advance_time=saga.skip)
    assert "PaymentProcessed" in state.event_types
    assert len(await saga.services.payments.ledger(state.order_id)) == 1


async def test_payment_outage_longer_than_the_retry_bound_compensates(saga: Saga) -> None:
    await saga.services.faults.set("payments", Fault(mode="down"))
    handle = await saga.start()
    # The refund meets the same outage: the order waits for it (see test_order_attention.py).
    state = await wait_for_state(handle, lambda s: s.needs_attention, advance_time=saga.skip)
    await saga.services.faults.clear("payments")
    result = await handle.result()

    assert state.status is result.status is S.REJECTED
    assert "PaymentFailed" in result.event_types and "InventoryReleased" in result.event_types
    assert ("release_inventory", "done") in steps(result)
    assert ("refund_payment", "done") in steps(result)


async def test_failed_compensation_is_recorded_and_unwinding_goes_on(saga: Saga) -> None:
    await saga.services.faults.set("kitchen", Fault(mode="down"))
    handle = await saga.start()
    result = await wait_for_state(handle, lambda s: s.needs_attention, advance_time=saga.skip)

    assert result.status is S.REJECTED
    outcomes = dict(steps(result))
    assert outcomes["cancel_kitchen_ticket"] == "failed"
    assert outcomes["refund_payment"] == "done" and outcomes["release_inventory"] == "done"
    failed = next(r for r in result.compensations if r.outcome == "failed")
    assert "kitchen" in failed.detail.lower()
    view = await saga.services.orders.get(result.order_id)
    assert view is not None and ("cancel_kitchen_ticket", "failed") in [
        (r.step, r.outcome) for r in view.compensations
    ]


async def test_operator_cancelling_the_workflow_compensates_the_order(saga: Saga) -> None:
    handle = await saga.start()
    await wait_for_state(handle, status_is(S.CONFIRMED))
    await handle.cancel()
    result = await handle.result()
    assert result.status is S.CANCELLED
    assert [step for step, _ in steps(result)] == FULL_UNDO
