"""Live pages: one Server-Sent Events stream per page, fed by the process's change feed.

Each event carries one partial, rendered by the template the page itself
includes, named after the element it replaces (``sse-swap``). Event ids are
the feed's version: a browser that reconnects sends ``Last-Event-ID`` and gets
the current partials at once if anything changed since, nothing otherwise.
A stream ends when its client goes away or stops reading (``SEND_TIMEOUT``),
and its subscription goes with it.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Request, status
from sse_starlette import EventSourceResponse, ServerSentEvent

from api.auth.principal import Principal, Role
from api.deps import FeedDep, RuntimeDep
from api.routers.common import OrderId, read_order
from api.runtime import Runtime
from services.change_feed import ChangeFeed
from services.changes import Change, version_of
from web.admin_board import admin_board
from web.boards import delivery_board, kitchen_board
from web.render import fragment
from web.session import COOKIE, signed_in

router = APIRouter(include_in_schema=False, tags=["pages"], prefix="/web/stream")

TICK_SECONDS = 10.0  # boards re-render this often anyway: waiting times and SLA flags move on
SEND_TIMEOUT = 5.0
PING_SECONDS = 15
Render = Callable[[], Awaitable[dict[str, str]]]


def listener(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """The stream's caller from the page cookie (or a bearer token); 401/403 otherwise."""

    async def check(
        request: Request, authorization: Annotated[str | None, Header()] = None
    ) -> Principal:
        token = request.cookies.get(COOKIE) or (authorization or "").removeprefix("Bearer ").strip()
        principal = await signed_in(request, token) if token else None
        if principal is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in first (/signin)")
        if principal.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"not for role '{principal.role}'")
        return principal

    return check


LastEventId = Annotated[str | None, Header(alias="Last-Event-ID")]


def last_seen(value: str | None) -> int | None:
    """The version a reconnecting browser had seen, if it says one we understand."""
    return int(value) if value and value.isdigit() else None


async def events(
    feed: ChangeFeed,
    render: Render,
    changed_since: Callable[[int], Awaitable[bool]],
    concerns: Callable[[Change], bool],
    seen: int | None,
    tick: float | None,
) -> AsyncIterator[ServerSentEvent]:
    """The partials now (unless ``seen`` is current), then again after each change that concerns
    this page (and every ``tick`` seconds, when given)."""
    async with feed.subscribe() as subscription:
        if seen is None or await changed_since(seen):
            for event in await pushed(feed, render):
                yield event
        while True:
            batch = await subscription.next(tick or TICK_SECONDS)
            due = batch.overflowed or any(concerns(c) for c in batch.changes)
            if due or (tick and not batch.changes):
                for event in await pushed(feed, render):
                    yield event


async def pushed(feed: ChangeFeed, render: Render) -> list[ServerSentEvent]:
    """One event per partial, all with the feed's version as their id."""
    version = str(
        feed.version
    )  # read before rendering: a reconnect may see a change twice, never miss one
    return [
        ServerSentEvent(html, event=name, id=version) for name, html in (await render()).items()
    ]


def stream(
    feed: ChangeFeed,
    render: Render,
    seen: int | None,
    changed_since: Callable[[int], Awaitable[bool]] | None = None,
    concerns: Callable[[Change], bool] = lambda _: True,
    tick: float | None = TICK_SECONDS,
) -> EventSourceResponse:
    """The response for one page's stream."""

    async def board_changed(version: int) -> bool:
        return feed.version > version

    content = events(feed, render, changed_since or board_changed, concerns, seen, tick)
    return EventSourceResponse(content, ping=PING_SECONDS, send_timeout=SEND_TIMEOUT)


@router.get("/kitchen")
async def kitchen(
    cook: Annotated[Principal, Depends(listener("kitchen", "admin"))],
    runtime: RuntimeDep,
    feed: FeedDep,
    last_event_id: LastEventId = None,
) -> EventSourceResponse:
    """The kitchen board's columns."""

    async def render() -> dict[str, str]:
        columns = await kitchen_board(runtime, cook)
        return {
            name: fragment(f"partials/kitchen_{name}.html", columns=columns) for name in columns
        }

    return stream(feed, render, last_seen(last_event_id))


@router.get("/delivery")
async def delivery(
    driver: Annotated[Principal, Depends(listener("driver", "admin"))],
    runtime: RuntimeDep,
    feed: FeedDep,
    last_event_id: LastEventId = None,
) -> EventSourceResponse:
    """The driver board's columns, as this driver sees them."""

    async def render() -> dict[str, str]:
        columns = await delivery_board(runtime, driver)
        return {
            name: fragment(f"partials/delivery_{name}.html", columns=columns) for name in columns
        }

    return stream(feed, render, last_seen(last_event_id))


@router.get("/admin")
async def admin(
    _: Annotated[Principal, Depends(listener("admin"))],
    runtime: RuntimeDep,
    feed: FeedDep,
    last_event_id: LastEventId = None,
) -> EventSourceResponse:
    """The admin page's lists and stock levels."""

    async def render() -> dict[str, str]:
        board = await admin_board(runtime)
        parts = ("attention", "orders", "stock", "faults")
        return {part: fragment(f"partials/admin_{part}.html", board=board) for part in parts}

    return stream(feed, render, last_seen(last_event_id))


@router.get("/track/{order_id}")
async def track(
    order_id: OrderId,
    viewer: Annotated[Principal, Depends(listener("customer", "kitchen", "driver", "admin"))],
    runtime: RuntimeDep,
    feed: FeedDep,
    last_event_id: LastEventId = None,
) -> EventSourceResponse:
    """One order's tracker; someone else's order (or none) is a 404 before anything streams."""
    await read_order(runtime, order_id, viewer)

    async def render() -> dict[str, str]:
        order = await read_order(runtime, order_id, viewer)
        return {"order": fragment("partials/track_order.html", order=order)}

    return stream(
        feed,
        render,
        last_seen(last_event_id),
        changed_since=order_changed(runtime, order_id),
        concerns=lambda change: change.order_id == order_id,
        tick=None,
    )


def order_changed(runtime: Runtime, order_id: str) -> Callable[[int], Awaitable[bool]]:
    """Whether the order's view was written after a version."""

    async def check(version: int) -> bool:
        stored = await runtime.services.orders.get(order_id)
        return (
            stored is None or stored.updated_at is None or version_of(stored.updated_at) > version
        )

    return check
