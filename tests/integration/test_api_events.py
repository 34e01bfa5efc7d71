"""POST /events: structured CloudEvents delivered to the order as signals, once per event id."""

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.event_codec import to_json
from domain.events import OrderCookingStarted

CLOUDEVENTS = {"Content-Type": "application/cloudevents+json"}


def cooking_started(order_id: str) -> bytes:
    """The kitchen display's CloudEvent for ``order_id``."""
    event = OrderCookingStarted(
        event_id=uuid.uuid4(), order_id=order_id, occurred_at=datetime.now(UTC)
    )
    return to_json(event, source="urn:mariospizzeria:kitchen-display")


def edited(raw: bytes, **changes: Any) -> bytes:
    """The same CloudEvent with some attributes replaced."""
    return json.dumps({**json.loads(raw), **changes}).encode()


async def test_a_cloudevent_moves_the_order_and_a_repeat_changes_nothing(desk) -> None:
    order_id = await desk.confirmed()
    raw = cooking_started(order_id)

    first = await desk.post("/events", "kitchen", content=raw, headers=CLOUDEVENTS)
    await desk.wait_for(order_id, "COOKING")
    repeat = await desk.post("/events", "kitchen", content=raw, headers=CLOUDEVENTS)
    # An update after the repeat is handled after it, so the repeat has been applied by then.
    ready = await desk.post(f"/kitchen/orders/{order_id}/ready", "kitchen")

    assert first.status_code == repeat.status_code == 202
    assert first.json() == repeat.json()
    assert first.json()["type"] == "OrderCookingStarted"
    assert ready.json()["status"] == "READY"
    assert (await desk.history(order_id))["WORKFLOW_EXECUTION_SIGNALED"] == 2
    timeline = [e["type"] for e in (await desk.get(order_id))["timeline"]]
    assert timeline.count("OrderCookingStarted") == 1


async def test_plain_json_content_type_is_accepted(desk) -> None:
    order_id = await desk.confirmed()

    response = await desk.post(
        "/events",
        "admin",
        content=cooking_started(order_id),
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 202
    await desk.wait_for(order_id, "COOKING")


@pytest.mark.parametrize(
    ("change", "status", "detail"),
    [
        ({"type": "com.mariospizzeria.order.teleported.v1"}, 400, "unknown event type"),
        ({"type": "com.mariospizzeria.order.delayed.v1"}, 422, "stage"),
        ({"data": "not an object"}, 422, "data"),
        ({"specversion": None}, 422, "CloudEvent"),
    ],
)
async def test_a_bad_cloudevent_is_refused_and_nothing_is_signalled(
    desk, change, status, detail
) -> None:
    order_id = await desk.confirmed()
    before = await desk.history(order_id)

    response = await desk.post(
        "/events",
        "kitchen",
        content=edited(cooking_started(order_id), **change),
        headers=CLOUDEVENTS,
    )

    assert response.status_code == status, response.text
    assert detail in response.json()["detail"]
    after = await desk.history(order_id)
    assert after["WORKFLOW_EXECUTION_SIGNALED"] == before["WORKFLOW_EXECUTION_SIGNALED"]


async def test_not_json_at_all_is_422(desk) -> None:
    response = await desk.post("/events", "kitchen", content=b"{oops", headers=CLOUDEVENTS)

    assert response.status_code == 422


async def test_a_cloudevent_for_an_unknown_order_is_404(desk) -> None:
    order_id = f"nope-{uuid.uuid4().hex[:12]}"

    response = await desk.post(
        "/events", "driver", content=cooking_started(order_id), headers=CLOUDEVENTS
    )

    assert response.status_code == 404
    assert not await desk.exists(order_id)


@pytest.mark.parametrize(("role", "status"), [(None, 401), ("customer", 403)])
async def test_only_staff_may_post_events(desk, role, status) -> None:
    order_id = await desk.confirmed()

    response = await desk.post(
        "/events", role, content=cooking_started(order_id), headers=CLOUDEVENTS
    )

    assert response.status_code == status
    assert (await desk.history(order_id))["WORKFLOW_EXECUTION_SIGNALED"] == 0


async def test_a_body_that_is_not_a_cloudevent_media_type_is_415(desk) -> None:
    response = await desk.post(
        "/events", "kitchen", content=b"hello", headers={"Content-Type": "text/plain"}
    )

    assert response.status_code == 415
