"""Customers place, read and cancel their own orders; staff read all; admins place for anyone."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Response, status

from api.deps import AnyRole, CustomerOrAdminRole, FeedDep, RuntimeDep
from api.routers.common import (
    ORDER_ERRORS,
    TRANSITION_ERRORS,
    OrderId,
    after_change,
    ensure_visible,
    not_found,
    read_order,
)
from api.runtime import Runtime
from api.schemas import CancelRequest, OrderList, OrderResponse, PlaceOrderRequest
from api.views import order_response, placed, summary
from domain.commands import CancelOrder, PlaceOrder
from domain.order import OrderStatus
from services.change_feed import wait_for_status
from workflows.gateway import OrderConflict

router = APIRouter(prefix="/orders", tags=["orders"])

IDEMPOTENCY_NAMESPACE = uuid.UUID("6d1f3c52-4a0e-4b8e-9a57-5f2b1c7e0a91")

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Repeat a request with the same key and get the same order, never a second one",
        examples=["checkout-7f3a"],
    ),
]


def order_id_for(subject: str, idempotency_key: str | None) -> str:
    """The same (caller, key) always names the same order; no key, a fresh one.

    Keyed by the token's subject, so one caller's keys can never name another's order.
    """
    if idempotency_key is None:
        return str(uuid.uuid4())
    return str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{subject}\n{idempotency_key}"))


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        401: ORDER_ERRORS[401],
        403: {"description": "Not a customer or admin, or `customer.id` is not the token's"},
    },
)
async def place_order(
    body: PlaceOrderRequest,
    caller: CustomerOrAdminRole,
    runtime: RuntimeDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> OrderResponse:
    """Place an order; answers at once while the order is processed in the background."""
    if not caller.may_act_for(body.customer.id):
        detail = f"a customer orders for itself: customer.id must be '{caller.subject}'"
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail)
    order = PlaceOrder(
        order_id=order_id_for(caller.subject, idempotency_key),
        customer=body.customer,
        items=body.items,
        delivery_address=body.delivery_address,
    )
    try:
        await runtime.gateway.place(order)
    except OrderConflict:
        detail = (
            f"Idempotency-Key '{idempotency_key}' was already used for a different order; "
            "send a new key to place a new order"
        )
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail) from None
    # A repeated key shows the order as it is now; a new order, as placed, until first recorded.
    known = await runtime.gateway.view(order.order_id)
    settings = runtime.settings
    view = order_response(settings, caller, known) if known else placed(settings, order)
    response.headers["Location"] = view.links.self
    return view


@router.get("", responses={401: ORDER_ERRORS[401]})
async def list_orders(
    caller: AnyRole,
    runtime: RuntimeDep,
    status_: Annotated[OrderStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> OrderList:
    """List orders from the read model: a customer its own, staff all."""
    own = caller.subject if caller.role == "customer" else None
    snapshots = await runtime.services.orders.list(status_, limit, customer_id=own)
    return OrderList(orders=[summary(runtime.settings, s) for s in snapshots])


WaitFor = Annotated[
    OrderStatus | None,
    Query(description="Answer once the order has reached this status (or a terminal one)"),
]
Timeout = Annotated[
    float,
    Query(
        alias="timeout",
        gt=0,
        le=30,
        description="With wait_for: answer after this many seconds at most",
    ),
]


@router.get("/{order_id}", responses=ORDER_ERRORS)
async def get_order(
    order_id: OrderId,
    caller: AnyRole,
    runtime: RuntimeDep,
    feed: FeedDep,
    wait_for: WaitFor = None,
    wait_seconds: Timeout = 10.0,
) -> OrderResponse:
    """Read an order (yours, or any as staff); with ``wait_for``, once it gets there or at timeout.

    Waiting listens to the process's change feed, not to the order's workflow.
    """
    if wait_for is not None:
        await ensure_visible(runtime, order_id, caller)
        await wait_for_status(
            feed, order_id, wait_for, wait_seconds, stored_status(runtime, order_id)
        )
    return await read_order(runtime, order_id, caller)


def stored_status(runtime: Runtime, order_id: str) -> Callable[[], Awaitable[OrderStatus | None]]:
    """Reads the order's status from the read model; an order nobody knows is a 404 at once.

    Not yet in the read model is not unknown: an order placed a moment ago is only
    a workflow so far, so only then is its workflow asked whether it exists.
    """

    async def read() -> OrderStatus | None:
        stored = await runtime.services.orders.get(order_id)
        if stored is not None:
            return stored.status
        if await runtime.gateway.view(order_id) is not None:
            return None  # placed through this process a moment ago: known, not recorded yet
        if await runtime.gateway.state(order_id) is None:
            raise not_found(order_id)
        return None

    return read


@router.post("/{order_id}/cancel", responses=TRANSITION_ERRORS)
async def cancel_order(
    order_id: OrderId,
    caller: CustomerOrAdminRole,
    runtime: RuntimeDep,
    body: CancelRequest | None = None,
) -> OrderResponse:
    """Cancel before cooking starts; answers once compensation has run (status CANCELLED)."""
    await ensure_visible(runtime, order_id, caller)
    reason = (body or CancelRequest()).reason
    command = CancelOrder(order_id=order_id, reason=reason, requested_by=caller.role)
    return await after_change(runtime, await runtime.gateway.cancel(command), caller)
