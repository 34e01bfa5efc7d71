"""Menu, health, readiness, fault injection, OpenAPI and the production guard."""

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

import httpx
import pytest

from api.app import InsecureConfiguration, create_app
from api.runtime import Runtime
from infra.codec_keys import new_key
from services.messages import OrderView
from services.orders import OrderReadModel
from tests.integration.conftest import OrderDesk
from workflows.gateway import OrderUnavailable

ADMIN = "Bearer dev-admin-token"


async def test_the_menu_lists_pizzas_with_decimal_prices_per_size(desk) -> None:
    response = await desk.call("GET", "/menu", None)

    assert response.status_code == 200
    pizzas = {pizza["id"]: pizza for pizza in response.json()["pizzas"]}
    assert pizzas["margherita"]["name"] == "Margherita"
    assert pizzas["margherita"]["prices"] == {"small": "8.50", "medium": "11.00", "large": "13.50"}


async def test_health_and_readiness_answer_200_when_everything_is_up(desk) -> None:
    assert (await desk.call("GET", "/healthz", None)).status_code == 200
    ready = await desk.call("GET", "/readyz", None)
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"temporal": "ok", "database": "ok"}


async def test_readiness_is_503_naming_what_is_unreachable(api_app, stack_settings) -> None:
    async def unreachable() -> None:
        raise ConnectionError("connection refused")

    live: Runtime = api_app.state.runtime

    @asynccontextmanager
    async def runtime_with_dead_temporal(_settings: object) -> AsyncIterator[Runtime]:
        yield replace(live, probes={**live.probes, "temporal": unreachable})

    app = create_app(stack_settings, runtime_factory=runtime_with_dead_temporal)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            response = await http.get("/readyz")

    assert response.status_code == 503
    assert "temporal unreachable" in response.json()["detail"]
    assert response.json()["checks"]["database"] == "ok"


async def test_admins_inject_and_clear_provider_faults(desk) -> None:
    # Uncounted and harmless: sagas of earlier tests may still text while this runs,
    # and a counted fault would tick down under them between the PUT and the GET.
    fault = {"mode": "slow", "remaining": None, "delay_seconds": 0.01}

    put = await desk.call("PUT", "/admin/faults/sms", "admin", json=fault)
    listed = await desk.call("GET", "/admin/faults", "admin")
    cleared = await desk.call("DELETE", "/admin/faults/sms", "admin")

    assert put.status_code == 200
    assert listed.json()["sms"] == fault
    assert cleared.status_code == 204
    assert "sms" not in (await desk.call("GET", "/admin/faults", "admin")).json()


async def test_fault_injection_is_for_admins_and_known_providers(desk) -> None:
    down = {"mode": "down"}

    assert (await desk.call("PUT", "/admin/faults/sms", "kitchen", json=down)).status_code == 403
    unknown = await desk.call("PUT", "/admin/faults/pigeon", "admin", json=down)
    assert unknown.status_code == 404
    assert "sms" in unknown.json()["detail"]


async def test_openapi_documents_every_route_with_examples(desk) -> None:
    schema = (await desk.call("GET", "/openapi.json", None)).json()

    for path in (
        "/orders",
        "/orders/{order_id}/cancel",
        "/kitchen/orders/{order_id}/start",
        "/delivery/orders/{order_id}/delivered",
        "/events",
        "/menu",
        "/readyz",
    ):
        assert path in schema["paths"]
    assert schema["components"]["schemas"]["PlaceOrderRequest"]["examples"]
    assert schema["components"]["schemas"]["OrderResponse"]["examples"]
    assert "HTTPBearer" in schema["components"]["securitySchemes"]
    assert (await desk.call("GET", "/docs", None)).status_code == 200


async def test_the_docs_page_works_without_internet(desk: OrderDesk) -> None:
    page = (await desk.call("GET", "/docs", None)).text
    assert "cdn." not in page
    script = re.search(r'src="([^"]*swagger-ui-bundle\.js)"', page)
    assert script is not None
    asset = await desk.call("GET", script.group(1), None)
    assert asset.status_code == 200 and len(asset.content) > 100_000


def test_production_refuses_to_start_with_dev_tokens(stack_settings) -> None:
    production = stack_settings.model_copy(
        update={"env": "production", "dev_tokens": True, "auth_jwks_url": "https://idp/certs"}
    )

    with pytest.raises(InsecureConfiguration, match="dev tokens"):
        create_app(production)


def test_production_starts_with_an_identity_provider(stack_settings) -> None:
    production = stack_settings.model_copy(
        update={
            "env": "production",
            "auth_jwks_url": "https://idp.example/certs",
            "codec_keys": [new_key()],
        }
    )

    assert create_app(production).title == "Mario's Pizzeria"


class UnreachableOrders:
    """An order gateway whose live state is out of reach, as while workers restart."""

    def __init__(self, read_model: OrderReadModel) -> None:
        self._read_model = read_model

    async def view(self, order_id: str) -> OrderView | None:
        return await self._read_model.get(order_id)

    async def state(self, order_id: str) -> None:
        raise OrderUnavailable(f"order '{order_id}' did not answer")


async def test_reading_a_recorded_order_needs_no_live_state(api_app, stack_settings, desk) -> None:
    order_id = await desk.confirmed()
    live: Runtime = api_app.state.runtime

    @asynccontextmanager
    async def runtime_without_live_state(_settings: object) -> AsyncIterator[Runtime]:
        yield replace(live, gateway=UnreachableOrders(live.services.orders))

    app = create_app(stack_settings, runtime_factory=runtime_without_live_state)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            known = await http.get(f"/orders/{order_id}", headers={"Authorization": ADMIN})
            unknown = await http.get("/orders/never-placed", headers={"Authorization": ADMIN})

    assert known.status_code == 200
    assert known.json()["status"] == "CONFIRMED"
    assert "OrderConfirmed" in [entry["type"] for entry in known.json()["timeline"]]
    assert unknown.status_code == 503
    assert "did not answer" in unknown.json()["detail"]
