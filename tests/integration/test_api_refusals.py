"""Every refusal (401, 403, 404, 409, 422) says why and leaves Temporal and the database alone."""

import uuid

import pytest

from api.routers.orders import order_id_for

STAFF_STEPS = [
    ("/kitchen/orders/{id}/start", "kitchen"),
    ("/kitchen/orders/{id}/ready", "kitchen"),
    ("/delivery/orders/{id}/pickup", "driver"),
    ("/delivery/orders/{id}/delivered", "driver"),
    ("/orders/{id}/cancel", "customer"),
]


async def _assert_nothing_started(desk, stack_services, key: str, *subjects: str) -> None:
    for subject in (*subjects, "cust-42", "kitchen-1", "driver-7"):
        order_id = order_id_for(subject, key)
        assert not await desk.exists(order_id)
        assert not await stack_services.orders.exists(order_id)


def _key() -> str:
    return f"k-{uuid.uuid4().hex[:12]}"


@pytest.mark.parametrize(
    ("headers", "status", "detail"),
    [
        ({}, 401, "missing bearer token"),
        ({"Authorization": "Bearer not-a-token"}, 401, "not a JWT"),
        ({"Authorization": "Bearer dev-driver-token"}, 403, "role 'driver' may not"),
        ({"Authorization": "Bearer dev-kitchen-token"}, 403, "role 'kitchen' may not"),
    ],
)
async def test_placing_without_the_customer_role_starts_nothing(
    desk, stack_services, headers, status, detail
) -> None:
    key = _key()

    response = await desk.post(
        "/orders", None, json=desk.body(), headers={**headers, "Idempotency-Key": key}
    )

    assert response.status_code == status
    assert detail in response.json()["detail"]
    if status == 401:
        assert response.headers["WWW-Authenticate"] == "Bearer"
    await _assert_nothing_started(desk, stack_services, key)


async def test_placing_in_another_customers_name_is_403_and_starts_nothing(
    desk, stack_services
) -> None:
    key = _key()

    response = await desk.post(
        "/orders", "customer", json=desk.body("cust-77"), headers={"Idempotency-Key": key}
    )

    assert response.status_code == 403
    assert "customer.id must be 'cust-42'" in response.json()["detail"]
    await _assert_nothing_started(desk, stack_services, key, "cust-77")


async def test_someone_elses_order_is_404_to_read_and_to_cancel_and_stays_as_it_was(desk) -> None:
    order_id = await desk.confirmed()
    before = await desk.history(order_id)

    read = await desk.call("GET", f"/orders/{order_id}", "customer", subject="cust-77")
    cancel = await desk.post(f"/orders/{order_id}/cancel", "customer", subject="cust-77")
    unknown = await desk.call("GET", "/orders/no-such-order", "customer", subject="cust-77")

    assert (read.status_code, cancel.status_code, unknown.status_code) == (404, 404, 404)
    assert read.json() == {"detail": f"no order with id '{order_id}'"}
    assert unknown.json() == {"detail": "no order with id 'no-such-order'"}
    assert (await desk.get(order_id))["status"] == "CONFIRMED"
    updates = "WORKFLOW_EXECUTION_UPDATE_ACCEPTED"
    assert (await desk.history(order_id))[updates] == before[updates]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"items": [{"pizza": "hawaii", "size": "large", "quantity": 1}]}, "items[0].pizza"),
        ({"items": [{"pizza": "margherita", "size": "huge", "quantity": 1}]}, "items[0].size"),
        ({"items": [{"pizza": "margherita", "size": "small", "quantity": 0}]}, "items[0].quantity"),
        ({"items": []}, "items"),
        ({"delivery_address": ""}, "delivery_address"),
        ({"tip": "5.00"}, "tip"),
    ],
)
async def test_an_invalid_order_is_422_naming_the_field_and_starts_nothing(
    desk, stack_services, change, field
) -> None:
    key = _key()
    body = {**desk.body(), **change}

    response = await desk.post("/orders", "customer", json=body, headers={"Idempotency-Key": key})

    assert response.status_code == 422
    assert field in response.json()["detail"]
    assert field in [error["field"] for error in response.json()["errors"]]
    await _assert_nothing_started(desk, stack_services, key)


async def test_an_order_with_a_bad_customer_is_422_and_starts_nothing(desk, stack_services) -> None:
    body, key = desk.body(), _key()
    body["customer"] = {**body["customer"], "phone": "call me"}

    response = await desk.post("/orders", "customer", json=body, headers={"Idempotency-Key": key})

    assert response.status_code == 422
    assert "customer.phone" in response.json()["detail"]
    await _assert_nothing_started(desk, stack_services, key)


@pytest.mark.parametrize(("path", "role"), [*STAFF_STEPS, ("/orders/{id}", "admin")])
async def test_an_unknown_order_is_404_and_no_workflow_appears(desk, path, role) -> None:
    order_id = f"nope-{uuid.uuid4().hex[:12]}"
    method = "GET" if path == "/orders/{id}" else "POST"

    response = await desk.call(method, path.format(id=order_id), role)

    assert response.status_code == 404
    assert order_id in response.json()["detail"]
    assert not await desk.exists(order_id)


@pytest.mark.parametrize(
    ("path", "role"),
    [
        ("/kitchen/orders/{id}/start", "driver"),
        ("/kitchen/orders/{id}/start", "customer"),
        ("/delivery/orders/{id}/pickup", "kitchen"),
        ("/orders/{id}/cancel", "kitchen"),
        ("/orders/{id}/cancel", "driver"),
        ("/kitchen/orders/{id}/start", None),
    ],
)
async def test_staff_steps_with_the_wrong_role_change_no_workflow(desk, path, role) -> None:
    order_id = await desk.confirmed()
    before = await desk.history(order_id)

    response = await desk.post(path.format(id=order_id), role)

    assert response.status_code == (401 if role is None else 403)
    assert (await desk.get(order_id))["status"] == "CONFIRMED"
    after = await desk.history(order_id)
    assert (
        after["WORKFLOW_EXECUTION_UPDATE_ACCEPTED"] == before["WORKFLOW_EXECUTION_UPDATE_ACCEPTED"]
    )


@pytest.mark.parametrize(
    ("path", "role", "reason"),
    [
        ("/kitchen/orders/{id}/ready", "kitchen", "cannot become READY"),
        ("/delivery/orders/{id}/pickup", "driver", "cannot become OUT_FOR_DELIVERY"),
        ("/delivery/orders/{id}/delivered", "driver", "cannot become DELIVERED"),
    ],
)
async def test_an_out_of_order_step_is_409_with_the_reason(desk, path, role, reason) -> None:
    order_id = await desk.confirmed()

    response = await desk.post(path.format(id=order_id), role)

    assert response.status_code == 409
    assert reason in response.json()["detail"]
    assert (await desk.get(order_id))["status"] == "CONFIRMED"
    assert (await desk.history(order_id))["WORKFLOW_EXECUTION_UPDATE_ACCEPTED"] == 0


async def test_cancelling_once_cooking_started_is_409_and_changes_nothing(desk) -> None:
    order_id = await desk.confirmed()
    assert (await desk.post(f"/kitchen/orders/{order_id}/start", "kitchen")).status_code == 200
    before = await desk.history(order_id)

    response = await desk.post(f"/orders/{order_id}/cancel", "customer")

    assert response.status_code == 409
    assert "can no longer be cancelled" in response.json()["detail"]
    assert (await desk.get(order_id))["status"] == "COOKING"
    after = await desk.history(order_id)
    assert (
        after["WORKFLOW_EXECUTION_UPDATE_ACCEPTED"] == before["WORKFLOW_EXECUTION_UPDATE_ACCEPTED"]
    )


async def test_a_step_on_a_closed_order_is_409(desk) -> None:
    order_id = await desk.confirmed()
    await desk.post(f"/orders/{order_id}/cancel", "customer")

    response = await desk.post(f"/kitchen/orders/{order_id}/start", "kitchen")

    assert response.status_code == 409
    assert "CANCELLED" in response.json()["detail"]


async def test_reading_an_order_needs_a_token(desk) -> None:
    order_id = (await desk.place())["order_id"]

    assert (await desk.call("GET", f"/orders/{order_id}", None)).status_code == 401
    assert (await desk.call("GET", f"/orders/{order_id}", "driver")).status_code == 200
    assert (await desk.call("GET", f"/orders/{order_id}", "customer")).status_code == 200


async def test_a_malformed_order_id_is_422(desk) -> None:
    response = await desk.call("GET", "/orders/bad%20id", "admin")

    assert response.status_code == 422
    assert "order_id" in response.json()["detail"]
