"""The pages' live streams: one per page, each pushing that page's partials (``web.live``)."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends
from sse_starlette import EventSourceResponse

from api.auth.principal import Principal
from api.deps import FeedDep, RuntimeDep
from api.routers.common import OrderId, read_order
from api.runtime import Runtime
from services.changes import version_of
from web.admin_board import admin_board
from web.boards import delivery_board, kitchen_board
from web.live import LastEventId, last_seen, listener, stream
from web.render import column_fragments, fragment

router = APIRouter(include_in_schema=False, tags=["pages"], prefix="/web/stream")


@router.get("/kitchen")
async def kitchen(
    cook: Annotated[Principal, Depends(listener("kitchen", "admin"))],
    runtime: RuntimeDep,
    feed: FeedDep,
    last_event_id: LastEventId = None,
) -> EventSourceResponse:
    """The kitchen board's columns."""

    async def render() -> dict[str, str]:
        return column_fragments("kitchen", await kitchen_board(runtime, cook))

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
        return column_fragments("delivery", await delivery_board(runtime, driver))

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
