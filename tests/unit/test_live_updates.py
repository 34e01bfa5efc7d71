"""Live updates from the change feed: the pages' streams and ``GET /orders/{id}?wait_for=``.

Streams: reconnect with Last-Event-ID, roles and ownership, cleanup of
clients that vanish or stop reading. wait_for: answers on reaching the
status, on timeout with the current view, and asks the workflow once.

The real app on a fake gateway and real services (SQLite), served by uvicorn so
the streams really stream; changes are written to the read model as the
worker would write them.
"""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from domain.order import OrderStatus
from infra.database import make_engine, make_session_factory
from services.change_feed import ChangeFeed
from services.container import Services, build_services, prepare_database
from services.messages import OrderSnapshot, RecordEvents
from tests.api_harness import FakeGateway, app_on, live_server, order_state, settings_for
from web.session import COOKIE

OWN, FOREIGN = "order-of-cust-42", "order-of-cust-77"
AS = {
    role: {"Cookie": f"{COOKIE}=dev-{role}-token"}
    for role in ("customer", "kitchen", "driver", "admin")
}
WAIT = 20.0
BEARER = {role: {"Authorization": f"Bearer dev-{role}-token"} for role in AS}


@dataclass
class Live:
    """The app serving on a real port, its services and its change feed."""

    app: FastAPI
    url: str
    services: Services
    gateway: FakeGateway

    @property
    def feed(self) -> ChangeFeed:
        feed: ChangeFeed = self.app.state.feed
        return feed

    async def move(self, order_id: str, customer_id: str, status: OrderStatus) -> None:
        """Write the order's new state to the read model, as the worker does."""
        state = order_state(order_id, customer_id, status)
        snapshot = OrderSnapshot(**state.model_dump(include=set(OrderSnapshot.model_fields)))
        await self.services.orders.record(RecordEvents(snapshot=snapshot, events=[]))


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[Live]:
    settings = settings_for(tmp_path)
    gateway = FakeGateway(
        {
            OWN: order_state(OWN, "cust-42", OrderStatus.CONFIRMED),
            FOREIGN: order_state(FOREIGN, "cust-77", OrderStatus.CONFIRMED),
        }
    )
    engine = make_engine(settings.database_url)
    services = build_services(settings, make_session_factory(engine))
    await prepare_database(engine, services)
    app = app_on(settings, gateway, services)
    try:
        async with app.router.lifespan_context(app), live_server(app) as url:
            live = Live(app, url, services, gateway)
            await live.move(OWN, "cust-42", OrderStatus.CONFIRMED)
            await live.move(FOREIGN, "cust-77", OrderStatus.CONFIRMED)
            yield live
    finally:
        await engine.dispose()


async def sse_events(response: httpx.Response) -> AsyncIterator[dict[str, str]]:
    """The stream's events as ``{"event", "id", "data"}`` (pings skipped)."""
    event: dict[str, str] = {}
    async for line in response.aiter_lines():
        if not line:
            if "data" in event:
                yield event
            event = {}
        elif not line.startswith(":"):
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            event[field] = (
                f"{event[field]}\n{value}" if field == "data" and field in event else value
            )


async def next_events(events: AsyncIterator[dict[str, str]], names: int) -> list[dict[str, str]]:
    """The next ``names`` events (one push of a page's partials)."""
    async with asyncio.timeout(WAIT):
        return [await anext(events) for _ in range(names)]


async def first_push(response: httpx.Response, names: int) -> list[dict[str, str]]:
    """The first ``names`` events of a fresh stream."""
    return await next_events(sse_events(response), names)


def stream(http: httpx.AsyncClient, path: str, role: str, last_id: str | None = None) -> Any:
    headers = AS[role] | ({"Last-Event-ID": last_id} if last_id else {})
    return http.stream("GET", path, headers=headers)


async def test_a_board_stream_starts_with_the_board_as_it_is(live: Live) -> None:
    async with (
        httpx.AsyncClient(base_url=live.url) as http,
        stream(http, "/web/stream/kitchen", "kitchen") as response,
    ):
        push = await first_push(response, 3)

    assert response.headers["content-type"].startswith("text/event-stream")
    assert [event["event"] for event in push] == ["confirmed", "cooking", "ready"]
    assert OWN in push[0]["data"] and FOREIGN in push[0]["data"]
    assert len({event["id"] for event in push}) == 1


async def test_reconnecting_with_an_old_last_event_id_catches_up_at_once(live: Live) -> None:
    async with httpx.AsyncClient(base_url=live.url) as http:
        async with stream(http, "/web/stream/kitchen", "kitchen") as response:
            seen = (await first_push(response, 3))[0]["id"]
        await live.move(OWN, "cust-42", OrderStatus.COOKING)  # while the page was away

        async with stream(http, "/web/stream/kitchen", "kitchen", last_id=seen) as response:
            confirmed, cooking, _ = await first_push(response, 3)

    assert OWN not in confirmed["data"]
    assert OWN in cooking["data"]
    assert int(cooking["id"]) > int(seen)


async def test_reconnecting_with_the_latest_id_repeats_nothing_and_waits_for_news(
    live: Live,
) -> None:
    async with httpx.AsyncClient(base_url=live.url) as http:
        async with stream(http, "/web/stream/kitchen", "kitchen") as response:
            seen = (await first_push(response, 3))[0]["id"]

        async with stream(http, "/web/stream/kitchen", "kitchen", last_id=seen) as response:
            await live.move(OWN, "cust-42", OrderStatus.COOKING)
            _, cooking, _ = await first_push(response, 3)

    assert OWN in cooking["data"]  # the first push after reconnecting is already the news


async def test_a_change_reaches_an_open_tracker_stream(live: Live) -> None:
    async with (
        httpx.AsyncClient(base_url=live.url) as http,
        stream(http, f"/web/stream/track/{OWN}", "customer") as response,
    ):
        events = sse_events(response)
        [first] = await next_events(events, 1)
        await live.move(OWN, "cust-42", OrderStatus.COOKING)
        [second] = await next_events(events, 1)

    assert first["event"] == second["event"] == "order"
    assert int(second["id"]) > int(first["id"])


@pytest.mark.parametrize(
    ("path", "role", "expected"),
    [
        (f"/web/stream/track/{FOREIGN}", "customer", 404),
        ("/web/stream/track/no-such-order", "customer", 404),
        (f"/web/stream/track/{OWN}", "customer", 200),
        (f"/web/stream/track/{FOREIGN}", "kitchen", 200),
        ("/web/stream/kitchen", "customer", 403),
        ("/web/stream/delivery", "kitchen", 403),
        ("/web/stream/admin", "driver", 403),
        ("/web/stream/delivery", "driver", 200),
    ],
)
async def test_streams_obey_roles_and_ownership(
    live: Live, path: str, role: str, expected: int
) -> None:
    async with (
        httpx.AsyncClient(base_url=live.url) as http,
        stream(http, path, role) as response,
    ):
        status = response.status_code
        body = await response.aread() if status != 200 else b""

    assert status == expected, body
    if expected == 404:
        assert b"no order with id" in body


async def test_a_stream_without_a_signed_in_browser_is_refused(live: Live) -> None:
    async with httpx.AsyncClient(base_url=live.url) as http:
        response = await http.get(f"/web/stream/track/{OWN}")

    assert response.status_code == 401


async def test_a_vanished_client_leaves_no_subscription_behind(live: Live) -> None:
    async with (
        httpx.AsyncClient(base_url=live.url) as http,
        stream(http, "/web/stream/kitchen", "kitchen") as response,
    ):
        await first_push(response, 3)
        assert live.feed.listeners == 1
    # the connection is closed; the server notices and ends the stream

    async with asyncio.timeout(WAIT):
        while live.feed.listeners:  # noqa: ASYNC110 - the feed exposes a count, not an event
            await asyncio.sleep(0.05)


async def test_a_client_that_stops_reading_is_cut_off_and_cleaned_up(live: Live) -> None:
    """A peer whose socket never drains: the send blocks, the stream ends, the feed forgets it."""
    sent: list[dict[str, Any]] = []
    stalled = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if not sent:
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # never disconnects either
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body":
            stalled.set()
            await asyncio.Event().wait()  # the client's window is full, forever

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/web/stream/kitchen",
        "raw_path": b"/web/stream/kitchen",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"cookie", AS["kitchen"]["Cookie"].encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
        "app": live.app,
    }

    with pytest.raises(Exception):  # noqa: B017 - sse-starlette's SendTimeoutError, or its group
        async with asyncio.timeout(WAIT):
            await live.app(scope, receive, send)

    assert stalled.is_set()
    assert live.feed.listeners == 0


async def test_wait_for_answers_once_the_order_reaches_the_status(live: Live) -> None:
    async with httpx.AsyncClient(base_url=live.url) as http:
        waiting = asyncio.create_task(
            http.get(f"/orders/{OWN}?wait_for=COOKING&timeout=20", headers=BEARER["admin"])
        )
        while live.feed.listeners == 0:  # noqa: ASYNC110 - wait until the request is listening
            await asyncio.sleep(0.01)
        live.gateway.orders[OWN] = order_state(OWN, "cust-42", OrderStatus.COOKING)
        await live.move(OWN, "cust-42", OrderStatus.COOKING)
        response = await waiting

    assert response.status_code == 200
    assert response.json()["status"] == "COOKING"
    assert live.gateway.calls == [("view", OWN)]  # read once for the answer; waiting asked nobody


async def test_wait_for_answers_the_current_view_when_the_timeout_passes(live: Live) -> None:
    async with httpx.AsyncClient(base_url=live.url) as http:
        response = await http.get(
            f"/orders/{OWN}?wait_for=DELIVERED&timeout=0.3", headers=BEARER["customer"]
        )

    assert response.status_code == 200
    assert response.json()["status"] == "CONFIRMED"
    assert live.feed.listeners == 0


async def test_wait_for_a_status_already_passed_answers_at_once(live: Live) -> None:
    await live.move(OWN, "cust-42", OrderStatus.READY)
    async with httpx.AsyncClient(base_url=live.url) as http:
        response = await http.get(
            f"/orders/{OWN}?wait_for=COOKING&timeout=30", headers=BEARER["kitchen"]
        )

    assert response.status_code == 200


async def test_wait_for_a_terminal_order_answers_at_once(live: Live) -> None:
    await live.move(OWN, "cust-42", OrderStatus.CANCELLED)
    async with httpx.AsyncClient(base_url=live.url) as http:
        response = await http.get(
            f"/orders/{OWN}?wait_for=DELIVERED&timeout=30", headers=BEARER["admin"]
        )

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("query", "role", "expected"),
    [
        (f"{FOREIGN}?wait_for=READY&timeout=30", "customer", 404),
        (f"{OWN}?wait_for=READY&timeout=31", "customer", 422),
        (f"{OWN}?wait_for=READY&timeout=0", "customer", 422),
        (f"{OWN}?wait_for=EATEN&timeout=1", "customer", 422),
    ],
)
async def test_wait_for_refuses_at_once_what_it_cannot_wait_for(
    live: Live, query: str, role: str, expected: int
) -> None:
    async with httpx.AsyncClient(base_url=live.url) as http:
        response = await http.get(f"/orders/{query}", headers=BEARER[role])

    assert response.status_code == expected, response.text
    assert live.feed.listeners == 0
