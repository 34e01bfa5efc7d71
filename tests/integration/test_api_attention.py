"""Admins find the orders an undo of which waits for a person, and retry or settle it.

The whole path (an undo failing past its bound, the saga retrying, an admin's
retry and resolve) runs on the time-skipping server in
tests/workflows/test_order_attention.py: here the bound would take minutes.
This checks the HTTP side on the real stack: the list, the refusals, the roles.
"""

import uuid
from decimal import Decimal

import pytest

from domain.order import OrderItem, OrderStatus
from services.messages import CompensationRecord, OrderSnapshot, RecordEvents
from tests.support import settled_history_length, wait_for_state

RETRY = "/admin/orders/{}/compensation/retry"
RESOLVE = "/admin/orders/{}/compensation/resolve"


async def _stored_as_flagged(stack_services) -> str:
    """A read-model row as the saga writes it while a refund waits for a person."""
    order_id = f"flagged-{uuid.uuid4().hex[:8]}"
    snapshot = OrderSnapshot(
        order_id=order_id,
        status=OrderStatus.CANCELLED,
        customer_id="cust-42",
        total=Decimal("27.00"),
        items=[OrderItem(pizza="margherita", size="large", quantity=2)],
        compensations=[CompensationRecord(step="refund_payment", outcome="failed")],
        needs_attention=True,
    )
    await stack_services.orders.record(RecordEvents(snapshot=snapshot, events=[]))
    return order_id


async def test_admin_lists_the_orders_that_need_attention_and_no_others(
    desk, stack_services
) -> None:
    flagged = await _stored_as_flagged(stack_services)
    fine = await desk.confirmed()

    response = await desk.call("GET", "/admin/orders?needs_attention=true&limit=500", "admin")

    assert response.status_code == 200, response.text
    rows = response.json()["orders"]
    assert flagged in [row["order_id"] for row in rows]
    assert fine not in [row["order_id"] for row in rows]
    assert all(row["needs_attention"] for row in rows)


async def _confirmed_and_texted(desk) -> str:
    """A confirmed order once its confirmation texts have landed and its history is still."""
    order_id = await desk.confirmed()
    handle = desk.handle(order_id)
    await wait_for_state(handle, lambda state: state.event_types.count("NotificationSent") == 2)
    await settled_history_length(handle)
    return order_id


@pytest.mark.parametrize("path", [RETRY, RESOLVE])
async def test_retry_or_resolve_when_nothing_waits_is_refused_and_changes_nothing(
    desk, path
) -> None:
    order_id = await _confirmed_and_texted(desk)
    before = await desk.history(order_id)

    response = await desk.post(path.format(order_id), "admin", json={"note": "by hand"})

    assert response.status_code == 409, response.text
    assert "no undo waiting for a person" in response.json()["detail"]
    assert await desk.history(order_id) == before


@pytest.mark.parametrize("role", ["customer", "kitchen", "driver"])
async def test_only_an_admin_may_retry_or_resolve_an_undo(desk, role) -> None:
    response = await desk.post(RETRY.format("any-order"), role)
    assert response.status_code == 403, response.text


async def test_retry_of_an_unknown_order_is_not_found(desk) -> None:
    response = await desk.post(RETRY.format(f"nope-{uuid.uuid4().hex[:8]}"), "admin")
    assert response.status_code == 404, response.text


async def test_resolve_without_a_note_is_unprocessable(desk) -> None:
    order_id = await desk.confirmed()
    response = await desk.post(RESOLVE.format(order_id), "admin", json={})
    assert response.status_code == 422, response.text
