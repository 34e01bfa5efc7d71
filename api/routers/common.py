"""Pieces the order routers share: the order id path parameter and the view after a change."""

import asyncio
from typing import Annotated, Any

from fastapi import Path

from api.runtime import Runtime
from api.schemas import OrderResponse
from api.views import order_response
from domain.errors import OrderNotFound
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
    401: {"description": "Missing or unknown bearer token"},
    403: {"description": "The token's role may not do this"},
    404: {"description": "No such order"},
}
TRANSITION_ERRORS: dict[int | str, dict[str, Any]] = {
    **ORDER_ERRORS,
    409: {"description": "The order cannot make this move now; `detail` says why"},
}


async def read_order(runtime: Runtime, order_id: str) -> OrderResponse:
    """Live state and stored timeline; the read model alone while the live state is out of reach."""
    live, stored = await asyncio.gather(
        runtime.gateway.state(order_id),
        runtime.services.orders.get(order_id),
        return_exceptions=True,
    )
    if isinstance(stored, BaseException):
        raise stored
    if isinstance(live, OrderUnavailable) and stored is not None:
        live = None
    if isinstance(live, BaseException):
        raise live
    view = order_response(runtime.settings, live, stored)
    if view is None:
        raise OrderNotFound(f"no order with id '{order_id}'")
    return view


async def after_change(runtime: Runtime, state: OrderState) -> OrderResponse:
    """The order view once a command succeeded: the new live state plus the stored timeline."""
    stored = await runtime.services.orders.get(state.order_id)
    view = order_response(runtime.settings, state, stored)
    if view is None:
        raise OrderNotFound(f"no order with id '{state.order_id}'")
    return view


async def advance(runtime: Runtime, command: StaffCommand) -> OrderResponse:
    """Move the order one step on and show it."""
    return await after_change(runtime, await runtime.gateway.advance(command))
