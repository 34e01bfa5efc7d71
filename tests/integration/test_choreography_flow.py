"""The choreography end to end: the same HTTP API, a real ``nats-server -js``, real SQLite."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable

import nats
import pytest

from choreography.deadletters import list_dead_letters, replay
from choreography.names import EVENTS_STREAM, MSG_ID
from tests.integration.choreo_fixtures import (
    ChoreoStack,
    choreo_settings,
    choreography_on_own_server,
    choreography_stack,
    nats_server,
)
from tests.integration.conftest import OrderDesk, auth

HAPPY_START = [
    "OrderPlaced",
    "InventoryReserved",
    "PaymentProcessed",
    "OrderConfirmed",
    "NotificationSent",
    "NotificationSent",
]


@pytest.fixture
async def choreo(tmp_path) -> AsyncIterator[ChoreoStack]:
    async with choreography_on_own_server(tmp_path) as stack:
        yield stack


@pytest.fixture
def desk(choreo: ChoreoStack) -> OrderDesk:
    return OrderDesk(choreo.http, None, choreo.settings)  # type: ignore[arg-type]


def types(order: dict) -> list[str]:
    return [entry["type"] for entry in order["timeline"]]


async def test_an_order_placed_over_http_is_confirmed_by_services_reacting_on_jetstream(
    desk,
) -> None:
    placed = await desk.place()
    assert placed["status"] == "PLACED"
    assert placed["links"]["workflow"] is None  # no workflow to point at in this mode

    order = await order_when(
        desk, placed["order_id"], lambda o: len(o["timeline"]) >= len(HAPPY_START)
    )

    assert types(order) == HAPPY_START


async def test_staff_walk_it_to_delivered_through_the_same_paths(desk) -> None:
    order_id = await desk.confirmed()
    for path, role, status in (
        ("/kitchen/orders/{id}/start", "kitchen", "COOKING"),
        ("/kitchen/orders/{id}/ready", "kitchen", "READY"),
        ("/delivery/orders/{id}/pickup", "driver", "OUT_FOR_DELIVERY"),
        ("/delivery/orders/{id}/delivered", "driver", "DELIVERED"),
    ):
        response = await desk.post(path.format(id=order_id), role)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == status

    again = await desk.post(f"/kitchen/orders/{order_id}/start", "kitchen")
    assert again.status_code == 409
    assert "DELIVERED" in again.json()["detail"]


async def test_cancelling_once_cooking_started_is_409(desk) -> None:
    order_id = await desk.confirmed()
    await desk.post(f"/kitchen/orders/{order_id}/start", "kitchen")

    response = await desk.post(f"/orders/{order_id}/cancel", "customer")

    assert response.status_code == 409
    assert response.json()["detail"] == "an order that is COOKING can no longer be cancelled"


async def test_an_unknown_order_is_404(desk) -> None:
    response = await desk.post("/kitchen/orders/nope/start", "kitchen")
    assert response.status_code == 404


async def test_readiness_checks_nats_and_the_database(choreo) -> None:
    response = await choreo.http.get("/readyz")
    assert response.status_code == 200
    assert set(response.json()["checks"]) == {"nats", "database"}


async def test_each_event_is_published_once_with_its_event_id_as_message_id(desk, choreo) -> None:
    order_id = await desk.confirmed()
    order = await desk.get(order_id)
    event_ids = [entry["event_id"] for entry in order["timeline"]]

    client = await nats.connect(choreo.settings.nats_url)
    try:
        js = client.jetstream()
        info = await js.stream_info(EVENTS_STREAM)
        ids = [
            (await js.get_msg(EVENTS_STREAM, seq)).headers[MSG_ID]
            for seq in range(1, info.state.last_seq + 1)
        ]
    finally:
        await client.close()
    assert set(event_ids) <= set(ids)
    assert len(ids) == len(set(ids))


async def test_a_message_that_keeps_failing_is_parked_and_replaying_it_completes_the_order(
    desk, choreo
) -> None:
    admin = auth("admin")
    await choreo.http.put("/admin/faults/inventory", json={"mode": "down"}, headers=admin)
    placed = await desk.place()
    client = await nats.connect(choreo.settings.nats_url)
    try:
        js = client.jetstream()
        letters = []
        while not letters:
            letters = await list_dead_letters(js)
        assert (letters[0].consumer, letters[0].event_type) == ("inventory", "OrderPlaced")
        assert "inventory is unavailable" in letters[0].error
        assert (await desk.get(placed["order_id"]))["status"] == "PLACED"

        await choreo.http.delete("/admin/faults/inventory", headers=admin)
        await replay(js, letters[0].seq)

        await desk.wait_for(placed["order_id"], "CONFIRMED")
        assert await list_dead_letters(js) == []
    finally:
        await client.close()


async def test_a_kitchen_that_stays_down_rejects_the_paid_order_and_undoes_it(desk, choreo) -> None:
    admin = auth("admin")
    await choreo.http.put("/admin/faults/kitchen", json={"mode": "down"}, headers=admin)
    order_id = (await desk.place())["order_id"]
    await desk.wait_for(order_id, "REJECTED")
    await choreo.http.delete("/admin/faults/kitchen", headers=admin)

    order = await order_when(
        desk, order_id, lambda o: {"PaymentRefunded", "InventoryReleased"} <= set(types(o))
    )

    rejected = next(e for e in order["timeline"] if e["type"] == "OrderRejected")
    assert rejected["data"]["reason"].startswith("the kitchen could not take the order: ")
    assert await choreo.services.payments.balance(order_id) == 0


async def order_when(desk: OrderDesk, order_id: str, done: Callable[[dict], bool]) -> dict:
    """The order as soon as ``done(order)`` holds (the timeline fills in asynchronously)."""
    async with asyncio.timeout(30):
        while True:
            order = await desk.get(order_id)
            if done(order):
                return order
            await asyncio.sleep(0.05)


def cloudevent(order_id: str, ce_type: str, event_id: str) -> dict:
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": "urn:test:kitchen-display",
        "type": ce_type,
        "subject": order_id,
        "time": "2026-11-23T12:00:00Z",
        "datacontenttype": "application/json",
        "data": {},
    }


async def test_a_reported_event_moves_the_order_once_however_often_it_arrives(desk) -> None:
    order_id = await desk.confirmed()
    event = cloudevent(order_id, "com.mariospizzeria.order.cooking_started.v1", str(uuid.uuid4()))

    for _ in range(2):
        response = await desk.post("/events", "kitchen", json=event)
        assert response.status_code == 202, response.text

    assert (await desk.get(order_id))["status"] == "COOKING"
    order = await order_when(desk, order_id, lambda o: "OrderCookingStarted" in types(o))
    assert types(order).count("OrderCookingStarted") == 1


async def test_a_reported_event_for_an_unknown_order_is_404(desk) -> None:
    event = cloudevent("nobody", "com.mariospizzeria.order.ready.v1", str(uuid.uuid4()))
    response = await desk.post("/events", "kitchen", json=event)
    assert response.status_code == 404


async def test_reusing_a_key_for_a_different_order_is_422_and_keeps_the_first(desk) -> None:
    first = await desk.place(key="checkout-1", customer_id="cust-reuse")
    other = desk.body("cust-reuse", items=[{"pizza": "diavola", "size": "small", "quantity": 3}])

    response = await desk.post(
        "/orders",
        "customer",
        json=other,
        headers={"Idempotency-Key": "checkout-1"},
        subject="cust-reuse",
    )
    again = await desk.post(
        "/orders",
        "customer",
        json=desk.body("cust-reuse"),
        headers={"Idempotency-Key": "checkout-1"},
        subject="cust-reuse",
    )

    assert response.status_code == 422
    assert "already used for a different order" in response.json()["detail"]
    assert (await desk.get(first["order_id"]))["items"] == first["items"]
    assert again.status_code == 202 and again.json()["order_id"] == first["order_id"]


async def test_a_cancel_whose_undo_does_not_finish_in_time_says_so_with_503(tmp_path) -> None:
    with nats_server(tmp_path / "nats") as server:
        settings = choreo_settings(tmp_path, server.url, choreo_cancel_wait_seconds=1.0)
        async with choreography_stack(settings) as stack:
            desk = OrderDesk(stack.http, None, settings)  # type: ignore[arg-type]
            order_id = await desk.confirmed()
            await desk.call("PUT", "/admin/faults/payments", "admin", json={"mode": "down"})

            answer = await desk.post(f"/orders/{order_id}/cancel", "customer")

            assert answer.status_code == 503
            assert "refund and stock release have not finished" in answer.json()["detail"]
            assert (await desk.get(order_id))["status"] == "CANCELLED"
