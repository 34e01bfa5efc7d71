"""An undo past its retry bound: the order is flagged for a person, and nothing is given up."""

from decimal import Decimal
from typing import Any

import pytest
from temporalio.client import (
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateStage,
)

from domain.commands import CancelOrder
from domain.order import OrderStatus
from services.messages import Fault
from tests.support import status_is, wait_for_state
from tests.workflows.conftest import Saga
from workflows.contracts import OrderState, ResolveCompensation, RetryCompensation
from workflows.names import (
    SA_NEEDS_ATTENTION,
    UPDATE_CANCEL,
    UPDATE_RESOLVE_COMPENSATION,
    UPDATE_RETRY_COMPENSATION,
)

S = OrderStatus


async def _cancelled_while_payments_are_down(saga: Saga) -> WorkflowHandle[Any, Any]:
    """A confirmed order, cancelled while the refund cannot get through."""
    handle = await saga.start()
    state = await wait_for_state(handle, status_is(S.CONFIRMED))
    await saga.services.faults.set("payments", Fault(mode="down"))
    await handle.start_update(
        UPDATE_CANCEL,
        CancelOrder(order_id=state.order_id),
        wait_for_stage=WorkflowUpdateStage.ACCEPTED,
    )
    await wait_for_state(handle, lambda s: s.needs_attention, advance_time=saga.skip)
    return handle


def _has(state: OrderState, step: str) -> bool:
    return any(record.step == step for record in state.compensations)


def _outcome(state: OrderState, step: str) -> str:
    return next(record.outcome for record in state.compensations if record.step == step)


async def test_refund_failing_past_its_bound_flags_the_order_and_keeps_it_open(
    saga: Saga,
) -> None:
    handle = await _cancelled_while_payments_are_down(saga)
    # CANCELLED is recorded before the undo; the release's outcome comes once it ran.
    state = await wait_for_state(
        handle, lambda s: s.status is S.CANCELLED and _has(s, "release_inventory")
    )

    assert _outcome(state, "refund_payment") == "failed"
    assert _outcome(state, "release_inventory") == "done"  # the unwinding went on
    description = await handle.describe()
    assert description.typed_search_attributes.get(SA_NEEDS_ATTENTION) is True
    assert description.status is WorkflowExecutionStatus.RUNNING
    flagged = await saga.services.orders.list(needs_attention=True)
    assert [order.order_id for order in flagged] == [state.order_id]
    assert await saga.services.payments.balance(state.order_id) > Decimal("0")


async def test_the_saga_retries_a_stuck_refund_on_its_own_until_it_lands(saga: Saga) -> None:
    handle = await _cancelled_while_payments_are_down(saga)
    await saga.skip(60 * 60)  # an hour of outage: rounds come and fail
    assert (await handle.describe()).status is WorkflowExecutionStatus.RUNNING
    await saga.services.faults.clear("payments")

    result: OrderState = await handle.result()  # the next round on the timer gets through

    assert result.status is S.CANCELLED and not result.needs_attention
    assert _outcome(result, "refund_payment") == "done"
    assert await saga.services.payments.balance(result.order_id) == Decimal("0")
    assert await saga.services.orders.list(needs_attention=True) == []
    description = await handle.describe()
    assert description.typed_search_attributes.get(SA_NEEDS_ATTENTION) is False


async def test_admin_retry_after_the_outage_refunds_and_clears_the_flag(saga: Saga) -> None:
    handle = await _cancelled_while_payments_are_down(saga)
    order_id = (await wait_for_state(handle, status_is(S.CANCELLED))).order_id
    await saga.services.faults.clear("payments")

    state = await handle.execute_update(
        UPDATE_RETRY_COMPENSATION, RetryCompensation(order_id=order_id), result_type=OrderState
    )

    assert not state.needs_attention and _outcome(state, "refund_payment") == "done"
    assert "PaymentRefunded" in state.event_types
    assert await saga.services.payments.balance(order_id) == Decimal("0")
    view = await saga.services.orders.get(order_id)
    assert view is not None and not view.needs_attention
    assert (await handle.result()).status is S.CANCELLED


async def test_admin_retry_during_the_outage_answers_still_flagged(saga: Saga) -> None:
    handle = await _cancelled_while_payments_are_down(saga)
    order_id = (await wait_for_state(handle, status_is(S.CANCELLED))).order_id

    state = await handle.execute_update(
        UPDATE_RETRY_COMPENSATION, RetryCompensation(order_id=order_id), result_type=OrderState
    )

    assert state.needs_attention and _outcome(state, "refund_payment") == "failed"


async def test_admin_resolve_clears_the_flag_and_ends_the_order(saga: Saga) -> None:
    handle = await _cancelled_while_payments_are_down(saga)
    order_id = (await wait_for_state(handle, status_is(S.CANCELLED))).order_id

    state = await handle.execute_update(
        UPDATE_RESOLVE_COMPENSATION,
        ResolveCompensation(order_id=order_id, note="refunded at the till"),
        result_type=OrderState,
    )

    assert not state.needs_attention
    refund = next(r for r in state.compensations if r.step == "refund_payment")
    assert refund.outcome == "resolved" and "refunded at the till" in refund.detail
    result: OrderState = await handle.result()
    assert result.status is S.CANCELLED
    assert await saga.services.orders.list(needs_attention=True) == []


async def test_retry_or_resolve_of_an_order_that_needs_nobody_is_refused(saga: Saga) -> None:
    handle = await saga.start()
    order_id = (await wait_for_state(handle, status_is(S.CONFIRMED))).order_id

    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(UPDATE_RETRY_COMPENSATION, RetryCompensation(order_id=order_id))

    assert "no undo waiting for a person" in str(refused.value.cause)
    note = ResolveCompensation(order_id=order_id, note="nothing to do")
    with pytest.raises(WorkflowUpdateFailedError):
        await handle.execute_update(UPDATE_RESOLVE_COMPENSATION, note)
