"""Hostile input gets a clear 4xx and changes nothing: oversized bodies, any POST /events body."""

import json
import tracemalloc
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from domain.order import OrderStatus
from tests.api_harness import FakeGateway, app_on, bearer, order_state, serving, settings_for

CHUNK = b"x" * (64 * 1024)
EIGHT_MIB = 8 * 1024 * 1024
ORDER = "order-1"
KITCHEN = bearer("dev-kitchen-token")
COOKING_STARTED = {
    "specversion": "1.0",
    "id": "kds-1",
    "source": "urn:kitchen-display",
    "type": "com.mariospizzeria.order.cooking_started.v1",
    "subject": ORDER,
    "time": "2026-11-23T12:00:00Z",
    "datacontenttype": "application/json",
    "data": {},
}


class Feed:
    """An 8 MiB body of one reused 64 KiB chunk, counting how many bytes the server pulled."""

    def __init__(self) -> None:
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.pulled < EIGHT_MIB:
            self.pulled += len(CHUNK)
            yield CHUNK


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[tuple[Any, FakeGateway]]:
    gateway = FakeGateway({ORDER: order_state(ORDER, "cust-42", OrderStatus.CONFIRMED)})
    async with serving(app_on(settings_for(tmp_path), gateway, None)) as http:
        yield http, gateway


TWO_CHUNKS = 2 * len(CHUNK)


@pytest.mark.parametrize(
    ("path", "headers", "statuses", "pulled_at_most"),
    [
        ("/orders", {}, {401, 413}, 0),
        ("/orders", bearer("dev-kitchen-token"), {403}, 0),
        ("/orders", bearer("dev-customer-token"), {413}, TWO_CHUNKS),
        ("/events", {}, {401, 413}, 0),
        ("/events", bearer("dev-customer-token"), {403}, 0),
        ("/events", KITCHEN, {413}, TWO_CHUNKS),
    ],
    ids=[
        "order/no token",
        "order/kitchen",
        "order/customer",
        "event/no token",
        "event/customer",
        "event/kitchen",
    ],
)
async def test_an_8_mib_body_is_refused_without_being_read(
    api, path, headers, statuses, pulled_at_most
) -> None:
    http, gateway = api
    feed = Feed()
    tracemalloc.start()
    try:
        response = await http.post(
            path, content=feed, headers={**headers, "Content-Type": "application/json"}
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert response.status_code in statuses
    assert feed.pulled <= pulled_at_most
    assert peak < 1024 * 1024
    assert gateway.calls == []


async def test_a_declared_length_over_the_cap_is_413_before_anything(api) -> None:
    http, gateway = api

    response = await http.post(
        "/events", content=CHUNK * 2, headers={**KITCHEN, "Content-Type": "application/json"}
    )

    assert response.status_code == 413
    assert response.json() == {"detail": "request body is larger than 64 KiB"}
    assert gateway.calls == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"[]", 422),
        (b"1", 422),
        (b'"x"', 422),
        (b"null", 422),
        (b'{"time": 5}', 422),
        (b"{}", 422),
        (b"\xff\xfe garbage", 422),
        (b"", 422),
        (json.dumps({**COOKING_STARTED, "time": 5}).encode(), 422),
        (json.dumps({**COOKING_STARTED, "id": 7}).encode(), 422),
        (json.dumps({**COOKING_STARTED, "specversion": "0.3"}).encode(), 422),
        (json.dumps({**COOKING_STARTED, "subject": None}).encode(), 422),
        (json.dumps({**COOKING_STARTED, "data": [1]}).encode(), 422),
        (json.dumps({**COOKING_STARTED, "type": "com.example.nope.v1"}).encode(), 400),
    ],
)
async def test_any_structured_body_gets_a_4xx_with_a_reason(api, body, status) -> None:
    http, gateway = api

    response = await http.post(
        "/events", content=body, headers={**KITCHEN, "Content-Type": "application/cloudevents+json"}
    )

    assert response.status_code == status, response.text
    assert response.json()["detail"]
    assert gateway.mutations() == []


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "text/plain"},
        {"Content-Type": "application/cloudevents-batch+json"},
        {"Content-Type": "text/plain", "ce-specversion": "1.0", "ce-id": "1"},
        {},
    ],
)
async def test_a_non_cloudevent_content_type_is_415(api, headers) -> None:
    http, gateway = api

    response = await http.post("/events", content=b"{}", headers={**KITCHEN, **headers})

    assert response.status_code == 415
    assert gateway.calls == []


def binary(**overrides: str) -> dict[str, str]:
    attributes = {
        "ce-specversion": "1.0",
        "ce-id": "kds-2",
        "ce-source": "urn:kitchen-display",
        "ce-type": "com.mariospizzeria.order.cooking_started.v1",
        "ce-subject": ORDER,
        "ce-time": "2026-11-23T12:00:00Z",
        "Content-Type": "application/json",
    }
    return {**KITCHEN, **attributes, **overrides}


async def test_a_binary_mode_cloudevent_is_accepted(api) -> None:
    http, gateway = api

    response = await http.post("/events", content=b"{}", headers=binary())

    assert response.status_code == 202, response.text
    assert response.json()["type"] == "OrderCookingStarted"
    assert gateway.mutations() == [("deliver_event", ORDER)]


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        (binary(**{"ce-time": "yesterday"}), b"{}"),
        (binary(), b"not json"),
        (binary(), b"[1, 2]"),
        (binary(**{"ce-subject": ""}), b"{}"),
    ],
)
async def test_a_bad_binary_mode_cloudevent_is_422(api, headers, body) -> None:
    http, gateway = api

    response = await http.post("/events", content=body, headers=headers)

    assert response.status_code == 422, response.text
    assert gateway.mutations() == []


async def test_a_client_event_id_never_becomes_an_id_the_system_made(api) -> None:
    http, _ = api
    system_id = str(uuid.uuid4())
    sent = {**COOKING_STARTED, "id": system_id}
    headers = {**KITCHEN, "Content-Type": "application/cloudevents+json"}

    first = (await http.post("/events", json=sent, headers=headers)).json()["event_id"]
    again = (await http.post("/events", json=sent, headers=headers)).json()["event_id"]
    other_source = {**sent, "source": "urn:someone-else"}
    elsewhere = (await http.post("/events", json=other_source, headers=headers)).json()

    assert first != system_id
    assert first == again
    assert elsewhere["event_id"] != first
