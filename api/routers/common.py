"""Pieces the order routers share: the order id path parameter, whose order it is, the view."""

import asyncio
from typing import Annotated, Any

from fastapi import Path

from api.auth.principal import Principal
from api.runtime import Runtime
from api.schemas import OrderResponse
from api.views import order_response
from domain.errors import OrderNotFound
from services.messages import OrderView
from workflows.contracts import OrderState
from workflows.gateway import OrderUnavailable, StaffCommand

OrderId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The order id POST /orders returned",
        examples=["0b6f1c2e-5d2a-5a7e-9a51-1f0c8e6e2d11"],
    ),
]

ORDER_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, malformed, expired or forged bearer token"},
    403: {"description": "The token's role may not do this"},
    404: {"description": "No such order, or not yours (the same answer)"},
}
CATCH_UP_SECONDS = 5.0
"""How long a command's answer waits for the view to show what the command did."""
TRANSITION_ERRORS: dict[int | str, dict[str, Any]] = {
    **ORDER_ERRORS,
    409: {"description": "The order cannot make this move now; `detail` says why"},
}


def not_found(order_id: str) -> OrderNotFound:
    """The one answer for an unknown order and for someone else's: existence is not revealed."""
    return OrderNotFound(f"no order with id '{order_id}'")


def hidden_from(viewer: Principal, customer_id: str) -> bool:
    """A customer sees its own orders only; staff see all."""
    return viewer.role == "customer" and viewer.subject != customer_id


async def ensure_visible(runtime: Runtime, order_id: str, viewer: Principal) -> None:
    """404 before anything changes when a customer names an order that is not its own."""
    if viewer.role != "customer":
        return
    current = await _current_view(runtime, order_id)
    if current is None or hidden_from(viewer, current.customer_id):
        raise not_found(order_id)


async def read_order(runtime: Runtime, order_id: str, viewer: Principal) -> OrderResponse:
    """The order's view as of one moment; 404 when unknown or not the viewer's."""
    view = await _current_view(runtime, order_id)
    if view is None or hidden_from(viewer, view.customer_id):
        raise not_found(order_id)
    return order_response(runtime.settings, viewer, view)


async def _current_view(runtime: Runtime, order_id: str) -> OrderView | None:
    """The recorded view; the live state only until the first one is recorded."""
    view = await runtime.gateway.view(order_id)
    if view is None:
        live = await runtime.gateway.state(order_id)
        view = OrderView(**live.model_dump()) if live is not None else None
    return view


async def after_change(runtime: Runtime, state: OrderState, viewer: Principal) -> OrderResponse:
    """The order's view once it shows the change a command made (``state``).

    The saga answers an update once its events are written, but the last of them
    (the compensation outcomes, a text queued a moment earlier) may still be on
    their way: wait briefly for the view that holds them, so the answer is one
    snapshot that includes what the command did.
    """
    deadline = asyncio.get_running_loop().time() + CATCH_UP_SECONDS
    view = await runtime.gateway.view(state.order_id)
    while view is None or not _shows(view, state):
        if asyncio.get_running_loop().time() > deadline:
            raise OrderUnavailable(
                f"order '{state.order_id}' is {state.status}, but its view has not caught up "
                f"within {CATCH_UP_SECONDS:g}s; GET /orders/{state.order_id} shows it when it has"
            )
        await asyncio.sleep(0.02)
        view = await runtime.gateway.view(state.order_id)
    return order_response(runtime.settings, viewer, view)


def _shows(view: OrderView, state: OrderState) -> bool:
    """Whether the view has caught up with the state a command returned."""
    return (
        view.status == state.status
        and len(view.timeline) >= len(state.event_types)
        and len(view.compensations) >= len(state.compensations)
    )


async def advance(runtime: Runtime, command: StaffCommand, viewer: Principal) -> OrderResponse:
    """Move the order one step on and show it."""
    return await after_change(runtime, await runtime.gateway.advance(command), viewer)
