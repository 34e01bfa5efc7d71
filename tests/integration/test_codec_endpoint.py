"""The codec endpoint the Temporal web UI and CLI call: round trips, CORS, who may use it."""

import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.runtime import Runtime
from infra.codec_keys import CodecKeyError
from infra.settings import Settings
from tests.integration.conftest import OrderDesk

CLEAR = {"metadata": {"encoding": base64.b64encode(b"json/plain").decode()}}
SECRET = b'{"phone": "+39 055 123 4567"}'


def payloads(*data: bytes) -> dict[str, Any]:
    return {"payloads": [{**CLEAR, "data": base64.b64encode(d).decode()} for d in data]}


def data_of(body: dict[str, Any]) -> list[bytes]:
    return [base64.b64decode(payload.get("data", "")) for payload in body["payloads"]]


async def test_staff_encode_and_decode_round_trip_through_the_endpoint(desk: OrderDesk) -> None:
    encoded = await desk.post("/codec/encode", "kitchen", json=payloads(SECRET, b"{}"))
    assert encoded.status_code == 200, encoded.text
    sealed = encoded.json()
    assert [p["metadata"]["encoding"] for p in sealed["payloads"]] == [
        base64.b64encode(b"binary/encrypted").decode()
    ] * 2
    assert b"+39 055" not in base64.b64decode(sealed["payloads"][0]["data"])

    decoded = await desk.post("/codec/decode", "admin", json=sealed)
    assert decoded.status_code == 200
    assert data_of(decoded.json()) == [SECRET, b"{}"]


async def test_the_endpoint_decodes_the_input_the_api_gave_the_workflow(desk: OrderDesk) -> None:
    order_id = (await desk.place())["order_id"]
    history = await desk.handle(order_id).fetch_history()
    started = history.events[0].workflow_execution_started_event_attributes
    raw = {"payloads": [_to_json(p) for p in started.input.payloads]}
    decoded = await desk.post("/codec/decode", "admin", json=raw)
    [data] = data_of(decoded.json())
    assert b"luigi@example.com" in data
    assert b"luigi@example.com" not in started.SerializeToString()


async def test_payloads_pass_decode_unchanged_when_not_encrypted(desk: OrderDesk) -> None:
    decoded = await desk.post("/codec/decode", "admin", json=payloads(SECRET))
    assert data_of(decoded.json()) == [SECRET]


async def test_the_uis_cors_preflight_is_answered_without_a_token(
    desk: OrderDesk, stack_settings: Settings
) -> None:
    headers = {
        "Origin": stack_settings.temporal_ui_url,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-namespace",
    }
    response = await desk.call("OPTIONS", "/codec/decode", None, headers=headers)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == stack_settings.temporal_ui_url
    assert "POST" in response.headers["access-control-allow-methods"]


async def test_a_preflight_from_another_origin_gets_no_cors_grant(desk: OrderDesk) -> None:
    headers = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    response = await desk.call("OPTIONS", "/codec/decode", None, headers=headers)
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize(("role", "status"), [(None, 401), ("customer", 403), ("driver", 403)])
async def test_outside_dev_only_admin_and_kitchen_may_decode(
    desk: OrderDesk, role: str | None, status: int
) -> None:
    response = await desk.post("/codec/decode", role, json=payloads(SECRET))
    assert response.status_code == status
    assert SECRET.decode() not in response.text


@pytest.mark.parametrize("body", [b"[]", b"garbage", b'{"payloads": 5}', b"\xff"])
async def test_a_body_that_is_not_payloads_is_a_400_with_the_reason(
    desk: OrderDesk, body: bytes
) -> None:
    response = await desk.post("/codec/decode", "admin", content=body)
    assert response.status_code == 400
    assert "Temporal payloads" in response.json()["detail"]


async def test_an_altered_payload_is_refused_with_422(desk: OrderDesk) -> None:
    sealed = (await desk.post("/codec/encode", "admin", json=payloads(SECRET))).json()
    data = base64.b64decode(sealed["payloads"][0]["data"])
    sealed["payloads"][0]["data"] = base64.b64encode(data[:-1] + bytes([data[-1] ^ 1])).decode()
    response = await desk.post("/codec/decode", "admin", json=sealed)
    assert response.status_code == 422
    assert "altered" in response.json()["detail"]


async def test_in_dev_the_endpoint_is_open_without_a_token(api_app, stack_settings) -> None:
    live: Runtime = api_app.state.runtime
    dev = stack_settings.model_copy(update={"env": "dev"})

    @asynccontextmanager
    async def same_runtime(_settings: object) -> AsyncIterator[Runtime]:
        yield live

    app = create_app(dev, runtime_factory=same_runtime)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            response = await http.post("/codec/decode", json=payloads(SECRET))
    assert response.status_code == 200
    assert data_of(response.json()) == [SECRET]


def _to_json(payload: Any) -> dict[str, Any]:
    from google.protobuf import json_format

    converted: dict[str, Any] = json_format.MessageToDict(payload)
    return converted


def test_production_refuses_to_start_without_payload_keys(stack_settings: Settings) -> None:
    production = stack_settings.model_copy(
        update={
            "env": "production",
            "auth_jwks_url": "http://127.0.0.1:9/jwks.json",
            "codec_keys": [],
        }
    )
    with pytest.raises(CodecKeyError, match="PIZZERIA_CODEC_KEYS"):
        create_app(production)
