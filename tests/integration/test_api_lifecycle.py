"""An order's life through the HTTP API, against a real dev server and worker."""

import asyncio

from tests.integration.conftest import new_customer
from workflows.names import SA_ORDER_STATUS


async def test_places_an_order_and_answers_202_at_once_with_links(desk) -> None:
    response = await desk.post("/orders", "customer", json=desk.body())

    assert response.status_code == 202
    placed = response.json()
    order_id = placed["order_id"]
    assert placed["status"] == "PLACED"
    assert placed["total"] == "27.00"
    assert response.headers["Location"] == placed["links"]["self"]
    assert placed["links"]["self"] == f"http://testserver/orders/{order_id}"
    assert placed["links"]["workflow"] == (
        f"http://localhost:8233/namespaces/default/workflows/order-{order_id}"
    )
    assert await desk.exists(order_id)


async def test_kitchen_and_driver_take_an_order_to_delivered(desk) -> None:
    order_id = await desk.confirmed()

    steps = [
        (f"/kitchen/orders/{order_id}/start", "kitchen", "COOKING"),
        (f"/kitchen/orders/{order_id}/ready", "kitchen", "READY"),
        (f"/delivery/orders/{order_id}/pickup", "driver", "OUT_FOR_DELIVERY"),
        (f"/delivery/orders/{order_id}/delivered", "driver", "DELIVERED"),
    ]
    for path, role, status in steps:
        response = await desk.post(path, role)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == status

    order = await desk.get(order_id)
    assert order["status"] == "DELIVERED"
    timeline = [entry["type"] for entry in order["timeline"]]
    for event in ("OrderPlaced", "OrderConfirmed", "OrderCookingStarted", "OrderDelivered"):
        assert event in timeline
    description = await desk.handle(order_id).describe()
    assert description.typed_search_attributes.get(SA_ORDER_STATUS) == "DELIVERED"


async def test_cancelling_a_confirmed_order_answers_after_compensation(desk) -> None:
    order_id = await desk.confirmed()

    response = await desk.post(f"/orders/{order_id}/cancel", "customer", json={"reason": "late"})

    assert response.status_code == 200, response.text
    cancelled = response.json()
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["compensations"]
    timeline = [entry["type"] for entry in (await desk.get(order_id))["timeline"]]
    assert {"PaymentRefunded", "InventoryReleased", "OrderCancelled"} <= set(timeline)


async def test_an_admin_may_cancel_too(desk) -> None:
    order_id = await desk.confirmed()

    response = await desk.post(f"/orders/{order_id}/cancel", "admin")

    assert response.status_code == 200
    assert response.json()["status"] == "CANCELLED"


async def test_staff_list_orders_by_status_from_the_read_model(desk) -> None:
    order_id = await desk.confirmed()
    await desk.post(f"/kitchen/orders/{order_id}/start", "kitchen")

    async with asyncio.timeout(10):
        while True:
            if order_id in await _listed(desk, "COOKING"):
                break
            await asyncio.sleep(0.05)

    assert order_id not in await _listed(desk, "CONFIRMED")


async def test_a_customer_lists_only_its_own_orders(desk) -> None:
    mine = (await desk.place())["order_id"]
    theirs = (await desk.place(customer_id=new_customer()))["order_id"]
    await desk.wait_for(theirs, "CONFIRMED")
    await desk.wait_for(mine, "CONFIRMED")

    response = await desk.call("GET", "/orders", "customer", params={"limit": 500})

    listed = {order["customer_id"] for order in response.json()["orders"]}
    assert response.status_code == 200
    assert listed == {"cust-42"}
    assert mine in {order["order_id"] for order in response.json()["orders"]}


async def _listed(desk, status: str) -> list[str]:
    response = await desk.call("GET", "/orders", "driver", params={"status": status, "limit": 500})
    assert response.status_code == 200, response.text
    return [order["order_id"] for order in response.json()["orders"]]


async def test_the_owner_sees_its_contact_details_and_the_kitchen_sees_none(desk) -> None:
    order_id = await desk.confirmed()

    own = await desk.call("GET", f"/orders/{order_id}", "customer")
    kitchen = await desk.call("GET", f"/orders/{order_id}", "kitchen")

    assert own.json()["customer"]["phone"] == "+39 055 123 4567"
    assert own.json()["customer"]["delivery_address"] == "Via Roma 1, Firenze"
    assert kitchen.json()["customer"] is None
    for detail in ("+39 055 123 4567", "luigi@example.com", "Via Roma 1"):
        assert detail not in kitchen.text
