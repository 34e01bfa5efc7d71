"""An operator cancelling the workflow itself (UI, CLI) at any point: a cancel, never a refusal.

The slow faults below hold one forward step (or one text) open for a moment,
so the cancel provably lands while it runs.
"""

import asyncio
from decimal import Decimal

from domain.commands import CancelOrder, StartCooking
from domain.order import OrderStatus
from services.messages import Fault
from tests.support import drive_to_delivered, status_is, wait_for_state
from tests.workflows.conftest import Saga
from workflows.contracts import OrderState
from workflows.names import UPDATE_CANCEL, UPDATE_START_COOKING

S = OrderStatus
FULL_UNDO = ["cancel_kitchen_ticket", "refund_payment", "release_inventory", "notify_customer"]
HOLD = Fault(mode="slow", delay_seconds=3, remaining=1)


async def _cancel_during(saga: Saga, provider: str) -> OrderState:
    """Start an order whose ``provider`` call is slow and cancel the workflow during that call."""
    await saga.services.faults.set(provider, HOLD)
    handle = await saga.start()
    for _ in range(400):  # the fault is used up as the call begins; the call then waits
        if provider not in await saga.services.faults.active():
            break
        await asyncio.sleep(0.01)
    await handle.cancel()
    result: OrderState = await handle.result()
    return result


async def _purposes(saga: Saga, order_id: str) -> set[str]:
    return {n.purpose for n in await saga.services.notifications.sent(order_id)}


def _undone(state: OrderState) -> list[str]:
    assert all(record.outcome == "done" for record in state.compensations), state.compensations
    return [record.step for record in state.compensations]


async def test_operator_cancel_during_reservation_cancels_and_releases_the_stock(
    saga: Saga,
) -> None:
    stock_before = await saga.services.inventory.levels()
    result = await _cancel_during(saga, "inventory")

    assert result.status is S.CANCELLED
    # The charge's undo is registered before the charge would run: it finds nothing to refund.
    assert _undone(result) == ["refund_payment", "release_inventory", "notify_customer"]
    assert "InventoryReservationFailed" not in result.event_types
    assert await saga.services.inventory.levels() == stock_before
    assert await saga.services.payments.balance(result.order_id) == Decimal("0")
    kinds = [entry.kind for entry in await saga.services.payments.ledger(result.order_id)]
    assert "charge" not in kinds
    assert "rejection" not in await _purposes(saga, result.order_id)


async def test_operator_cancel_during_the_charge_refunds_it_and_sends_no_rejection(
    saga: Saga,
) -> None:
    result = await _cancel_during(saga, "payments")

    assert result.status is S.CANCELLED
    assert _undone(result) == FULL_UNDO  # the ticket's undo finds no ticket to cancel
    assert "PaymentFailed" not in result.event_types and "OrderRejected" not in result.event_types
    ledger = await saga.services.payments.ledger(result.order_id)
    assert [entry.kind for entry in ledger] == ["charge", "refund"]
    assert await saga.services.payments.balance(result.order_id) == Decimal("0")
    purposes = await _purposes(saga, result.order_id)
    assert "cancellation" in purposes and "rejection" not in purposes


async def test_operator_cancel_while_the_ticket_opens_undoes_everything_in_reverse(
    saga: Saga,
) -> None:
    result = await _cancel_during(saga, "kitchen")

    assert result.status is S.CANCELLED
    assert _undone(result) == FULL_UNDO
    ticket = await saga.services.kitchen.ticket(result.order_id)
    assert ticket is not None and ticket.status == "cancelled"
    assert "rejection" not in await _purposes(saga, result.order_id)


async def test_operator_cancel_in_the_close_out_does_not_cut_it_short(saga: Saga) -> None:
    handle = await saga.start()
    state = await wait_for_state(handle, lambda s: s.event_types.count("NotificationSent") == 2)
    await saga.services.faults.set("sms", HOLD)  # the cancellation text takes a moment
    await handle.execute_update(UPDATE_CANCEL, CancelOrder(order_id=state.order_id))

    await handle.cancel()  # lands while the close-out waits for that text
    result = await handle.result()

    assert result.status is S.CANCELLED
    assert result.event_types.count("NotificationSent") == 4  # both confirmations, both cancels
    view = await saga.services.orders.get(result.order_id)
    assert view is not None and [e.type for e in view.timeline] == result.event_types


async def test_operator_cancel_after_cooking_started_is_refused_and_the_order_goes_on(
    saga: Saga,
) -> None:
    handle = await saga.start()
    state = await wait_for_state(handle, status_is(S.CONFIRMED))
    await handle.execute_update(UPDATE_START_COOKING, StartCooking(order_id=state.order_id))

    await handle.cancel()
    await wait_for_state(handle, status_is(S.COOKING))
    await drive_to_delivered(handle, state.order_id, start=False)

    result = await handle.result()
    assert result.status is S.DELIVERED and result.compensations == []
