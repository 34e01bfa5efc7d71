"""Pieces the order routers share: the order id path parameter, whose order it is, the view."""

import asyncio
from typing import Annotated, Any

from fastapi import Path

from api.auth.principal import Principal
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
    401: {"description": "Missing, malformed, expired or forged bearer token"},
    403: {"description": "The token's role may not do this"},
    404: {"description": "No such order, or not yours (the same answer)"},
}
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
    stored = await runtime.services.orders.get(order_id)
    current = stored or await runtime.gateway.state(order_id)
    if current is None or hidden_from(viewer, current.customer_id):
        raise not_found(order_id)


async def read_order(runtime: Runtime, order_id: str, viewer: Principal) -> OrderResponse:
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
    view = order_response(runtime.settings, viewer, live, stored)
    if view is None or hidden_from(viewer, view.customer_id):
        raise not_found(order_id)
    return view


async def after_change(runtime: Runtime, state: OrderState, viewer: Principal) -> OrderResponse:
    """The order view once a command succeeded: the new live state plus the stored timeline."""
    stored = await runtime.services.orders.get(state.order_id)
    view = order_response(runtime.settings, viewer, state, stored)
    if view is None:
        raise not_found(state.order_id)
    return view


async def advance(runtime: Runtime, command: StaffCommand, viewer: Principal) -> OrderResponse:
    """Move the order one step on and show it."""
    return await after_change(runtime, await runtime.gateway.advance(command), viewer)
