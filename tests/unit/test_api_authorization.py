"""Who may call what: every route of the app, every kind of caller, own and foreign orders.

The table is checked against ``app.routes``: a route added without a row fails
here. On a refusal (401, 403, or 404 for someone else's order) nothing reaches
the gateway (Temporal) and nothing is written to the database; on a 401/403
the request body is not even read.
"""

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute, Mount

from domain.order import OrderStatus
from infra.database import make_engine, make_session_factory
from services.container import build_services, prepare_database
from services.messages import OrderSnapshot, RecordEvents
from tests.api_harness import (
    FakeGateway,
    Recorder,
    app_on,
    bearer,
    order_state,
    serving,
    settings_for,
    token_maker,
)

OWN, FOREIGN = "order-of-cust-42", "order-of-cust-77"
CALLERS = ("anonymous", "owner", "other customer", "kitchen", "driver", "admin")
SUBJECTS = {
    "owner": ("cust-42", "customer"),
    "other customer": ("cust-77", "customer"),
    "kitchen": ("kitchen-1", "kitchen"),
    "driver": ("driver-7", "driver"),
    "admin": ("admin", "admin"),
}
PLACE = {
    "customer": {"id": "cust-42", "name": "Ada", "phone": "+39 055 1234567", "email": "a@b.it"},
    "items": [{"pizza": "margherita", "size": "large", "quantity": 1}],
    "delivery_address": "Via Roma 1, Firenze",
}
EVENT = {
    "specversion": "1.0",
    "id": "kds-1",
    "source": "urn:test",
    "type": "com.mariospizzeria.order.cooking_started.v1",
    "subject": OWN,
    "time": "2026-11-23T12:00:00Z",
    "data": {},
}
PUBLIC = (200,) * 6
STAFF_ONLY = (401, 403, 403, 200, 200, 200)
ADMIN_ONLY = (401, 403, 403, 403, 403, 200)
KITCHEN_ONLY = (401, 403, 403, 200, 403, 403)
DRIVER_ONLY = (401, 403, 403, 403, 200, 403)
# (method, path): (expected status per caller in CALLERS order, body); orders are cust-42's.
TABLE: dict[tuple[str, str], tuple[tuple[int, ...], Any]] = {
    ("GET", "/healthz"): (PUBLIC, None),
    ("GET", "/readyz"): (PUBLIC, None),
    ("GET", "/metrics"): (PUBLIC, None),
    ("GET", "/menu"): (PUBLIC, None),
    ("GET", "/openapi.json"): (PUBLIC, None),
    ("GET", "/docs"): (PUBLIC, None),
    ("GET", "/docs/oauth2-redirect"): (PUBLIC, None),
    ("GET", "/redoc"): (PUBLIC, None),
    ("POST", "/orders"): ((401, 202, 403, 403, 403, 202), PLACE),
    ("GET", "/orders"): ((401, 200, 200, 200, 200, 200), None),
    ("GET", "/orders/{order_id}"): ((401, 200, 404, 200, 200, 200), None),
    ("POST", "/orders/{order_id}/cancel"): ((401, 200, 404, 403, 403, 200), None),
    ("POST", "/kitchen/orders/{order_id}/start"): (KITCHEN_ONLY, None),
    ("POST", "/kitchen/orders/{order_id}/ready"): (KITCHEN_ONLY, None),
    ("POST", "/delivery/orders/{order_id}/pickup"): (DRIVER_ONLY, None),
    ("POST", "/delivery/orders/{order_id}/delivered"): (DRIVER_ONLY, None),
    ("POST", "/events"): ((401, 403, 403, 202, 202, 202), EVENT),
    ("GET", "/admin/faults"): (ADMIN_ONLY, None),
    ("PUT", "/admin/faults/{provider}"): (ADMIN_ONLY, {"mode": "down"}),
    ("DELETE", "/admin/faults/{provider}"): ((401, 403, 403, 403, 403, 204), None),
    ("GET", "/admin/inventory"): (STAFF_ONLY, None),
    ("PUT", "/admin/inventory/{ingredient}"): (ADMIN_ONLY, {"quantity": 500}),
    ("GET", "/admin/orders"): (ADMIN_ONLY, None),
    ("POST", "/admin/orders/{order_id}/compensation/retry"): (ADMIN_ONLY, None),
    ("POST", "/admin/orders/{order_id}/compensation/resolve"): (ADMIN_ONLY, {"note": "by hand"}),
    ("POST", "/codec/encode"): ((401, 403, 403, 200, 403, 200), {"payloads": []}),
    ("POST", "/codec/decode"): ((401, 403, 403, 200, 403, 200), {"payloads": []}),
}
# Whose name an order is placed in is only in the body: this refusal must read it first.
REFUSED_AFTER_READING = {("POST", "/orders", "other customer")}
PATH_VALUES = {"order_id": OWN, "provider": "sms", "ingredient": "basil"}
CASES = [
    pytest.param(method, path, caller, statuses[i], body, id=f"{method} {path} as {caller}")
    for (method, path), (statuses, body) in TABLE.items()
    for i, caller in enumerate(CALLERS)
]


class Stack:
    """The app on a fake gateway and recorded real services, with a token per caller."""

    def __init__(self, tmp_path: Path) -> None:
        self.settings = settings_for(tmp_path)
        self.gateway = FakeGateway(
            {
                OWN: order_state(OWN, "cust-42", OrderStatus.CONFIRMED),
                FOREIGN: order_state(FOREIGN, "cust-77", OrderStatus.CONFIRMED),
            }
        )
        self.service_calls: list[str] = []
        make = token_maker(self.settings)
        self.tokens = {caller: make(*SUBJECTS[caller]) for caller in SUBJECTS}


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[tuple[Stack, Any]]:
    built = Stack(tmp_path)
    engine = make_engine(built.settings.database_url)
    services = build_services(built.settings, make_session_factory(engine))
    await prepare_database(engine, services)
    for order in built.gateway.orders.values():
        await services.orders.record(
            RecordEvents(
                snapshot=OrderSnapshot(**order.model_dump(include=set(OrderSnapshot.model_fields))),
                events=[],
            )
        )
    app = app_on(built.settings, built.gateway, Recorder(services, built.service_calls))
    try:
        async with serving(app) as http:
            yield built, http
    finally:
        await engine.dispose()


def endpoints(routes: list[BaseRoute], prefix: str = "") -> set[tuple[str, str]]:
    """Every (method, path) the routes serve, mounted sub-applications included.

    The pages (tag "pages", web/) sign in with a cookie, not a bearer token:
    tests/unit/test_web_pages.py holds their table.
    """
    found = set()
    for route in routes:
        if isinstance(route, Mount):
            found |= endpoints(route.routes, prefix + route.path)
            continue
        for context in iter_route_contexts([route]):
            if "pages" in (getattr(context, "tags", None) or ()):
                continue
            found |= {(m, prefix + str(context.path)) for m in context.methods or () if m != "HEAD"}
    return found


def test_every_route_of_the_app_has_a_row(tmp_path: Path) -> None:
    app = app_on(settings_for(tmp_path), FakeGateway({}), None)

    assert endpoints(app.routes) == set(TABLE)


@pytest.mark.parametrize(("method", "path", "caller", "expected", "body"), CASES)
async def test_each_caller_gets_the_expected_answer_and_refusals_change_nothing(
    stack, method, path, caller, expected, body
) -> None:
    built, http = stack
    read: list[bool] = []

    async def content() -> AsyncIterator[bytes]:
        read.append(True)
        yield json.dumps(body).encode()

    headers = bearer(built.tokens[caller]) if caller in built.tokens else {}
    if body is not None:
        headers["Content-Type"] = "application/json"
    built.service_calls.clear()
    response = await http.request(
        method,
        path.format(**PATH_VALUES),
        headers=headers,
        content=content() if body is not None else None,
    )

    assert response.status_code == expected, response.text
    if expected in (401, 403):
        assert built.gateway.calls == []
        assert built.service_calls == []
        assert read == [] or (method, path, caller) in REFUSED_AFTER_READING
        assert response.json()["detail"]
    if expected == 404:
        assert built.gateway.mutations() == []
        assert response.json() == {"detail": f"no order with id '{OWN}'"}


@pytest.mark.parametrize(
    ("caller", "listed"),
    [("owner", {OWN}), ("other customer", {FOREIGN}), ("kitchen", {OWN, FOREIGN})],
)
async def test_a_customer_lists_only_its_own_orders_and_staff_list_all(
    stack, caller, listed
) -> None:
    built, http = stack

    response = await http.get("/orders", headers=bearer(built.tokens[caller]))

    assert {order["order_id"] for order in response.json()["orders"]} == listed


async def test_someone_elses_order_answers_exactly_as_an_unknown_one(stack) -> None:
    built, http = stack
    as_other = bearer(built.tokens["other customer"])

    foreign = await http.get(f"/orders/{OWN}", headers=as_other)
    unknown = await http.get("/orders/no-such-order", headers=as_other)

    assert (foreign.status_code, unknown.status_code) == (404, 404)
    assert foreign.json()["detail"].replace(OWN, "ID") == unknown.json()["detail"].replace(
        "no-such-order", "ID"
    )
    assert foreign.headers.keys() == unknown.headers.keys()


async def test_a_driver_picks_up_as_itself_only(stack) -> None:
    built, http = stack

    response = await http.post(
        f"/delivery/orders/{OWN}/pickup",
        json={"driver_id": "driver-99"},
        headers=bearer(built.tokens["driver"]),
    )

    assert response.status_code == 403
    assert built.gateway.mutations() == []
