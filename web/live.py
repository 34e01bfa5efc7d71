"""Server-Sent Events for the pages: who may listen, and the event loop of one stream.

Each event carries one partial, rendered by the template the page itself
includes, named after the element it replaces (``sse-swap``). Event ids are
the feed's version: a browser that reconnects sends ``Last-Event-ID`` and gets
the current partials at once if anything changed since, nothing otherwise.
A stream ends when its client goes away or stops reading (``SEND_TIMEOUT``),
and its subscription goes with it.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Header, HTTPException, Request, status
from sse_starlette import EventSourceResponse, ServerSentEvent

from api.auth.principal import Principal, Role
from services.change_feed import ChangeFeed
from services.changes import Change
from web.session import COOKIE, signed_in

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
