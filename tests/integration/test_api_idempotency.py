"""Idempotency-Key: one customer's repeated key is the same order, never a second workflow."""

import asyncio
import uuid

from temporalio.client import WorkflowExecutionStatus

from tests.integration.conftest import new_customer


async def _workflows_of(desk, customer_id: str) -> list[str]:
    query = f"CustomerId = '{customer_id}'"
    return [w.id async for w in desk.temporal.list_workflows(query)]


async def test_repeating_a_request_returns_the_same_order_and_starts_one_workflow(desk) -> None:
    customer_id, key = new_customer(), "checkout-1"

    first = await desk.place(key=key, customer_id=customer_id)
    started = await desk.handle(first["order_id"]).describe()
    second = await desk.place(key=key, customer_id=customer_id)

    assert second["order_id"] == first["order_id"]
    assert (await desk.handle(first["order_id"]).describe()).run_id == started.run_id
    await desk.wait_for(first["order_id"], "CONFIRMED")
    assert await _workflows_of(desk, customer_id) == [f"order-{first['order_id']}"]


async def test_ten_concurrent_identical_requests_yield_one_workflow(desk) -> None:
    customer_id, key = new_customer(), "checkout-burst"
    body = desk.body(customer_id)
    headers = {"Idempotency-Key": key}

    responses = await asyncio.gather(
        *(
            desk.post("/orders", "customer", json=body, headers=headers, subject=customer_id)
            for _ in range(10)
        )
    )

    assert {r.status_code for r in responses} == {202}
    assert len({r.json()["order_id"] for r in responses}) == 1
    order_id = responses[0].json()["order_id"]
    await desk.wait_for(order_id, "CONFIRMED")
    assert await _workflows_of(desk, customer_id) == [f"order-{order_id}"]


async def test_repeating_after_the_order_closed_does_not_start_it_again(desk) -> None:
    customer_id, key = new_customer(), "checkout-closed"
    placed = await desk.place(key=key, customer_id=customer_id)
    order_id = placed["order_id"]
    await desk.wait_for(order_id, "CONFIRMED")
    await desk.post(f"/orders/{order_id}/cancel", "customer", subject=customer_id)
    await desk.handle(order_id).result()  # the cancellation texts go out, then it closes
    closed = await desk.handle(order_id).describe()
    assert closed.status == WorkflowExecutionStatus.COMPLETED

    again = await desk.place(key=key, customer_id=customer_id)

    assert again["order_id"] == order_id
    assert again["status"] == "CANCELLED"  # the order as it is now, not as it was placed
    after = await desk.handle(order_id).describe()
    assert after.run_id == closed.run_id
    assert after.status == WorkflowExecutionStatus.COMPLETED
    assert (await desk.get(order_id))["status"] == "CANCELLED"


async def test_the_same_key_from_another_customer_is_another_order(desk) -> None:
    key = f"shared-{uuid.uuid4().hex[:8]}"

    first = await desk.place(key=key, customer_id=new_customer())
    second = await desk.place(key=key, customer_id=new_customer())

    assert first["order_id"] != second["order_id"]


async def test_an_admin_placing_for_a_customer_has_a_key_space_of_its_own(desk) -> None:
    customer_id, key = new_customer(), f"phone-{uuid.uuid4().hex[:8]}"
    own = await desk.place(key=key, customer_id=customer_id)

    response = await desk.post(
        "/orders", "admin", json=desk.body(customer_id), headers={"Idempotency-Key": key}
    )

    assert response.status_code == 202
    assert response.json()["order_id"] != own["order_id"]
    assert response.json()["customer_id"] == customer_id


async def test_without_a_key_every_request_is_a_new_order(desk) -> None:
    customer_id = new_customer()

    first = await desk.place(customer_id=customer_id)
    second = await desk.place(customer_id=customer_id)

    assert first["order_id"] != second["order_id"]
    assert await desk.exists(first["order_id"])
    assert await desk.exists(second["order_id"])


async def test_reusing_a_key_for_a_different_order_is_422_and_keeps_the_first(desk) -> None:
    customer_id, key = new_customer(), "checkout-reused"
    first = await desk.place(key=key, customer_id=customer_id)
    other = desk.body(customer_id, items=[{"pizza": "diavola", "size": "small", "quantity": 3}])

    response = await desk.post(
        "/orders", "customer", json=other, headers={"Idempotency-Key": key}, subject=customer_id
    )

    assert response.status_code == 422
    assert "already used for a different order" in response.json()["detail"]
    kept = await desk.get(first["order_id"])
    assert kept["items"] == first["items"]
