"""The pages' buttons: each calls the API's own route handler, so a button and an endpoint
behave alike (same checks, same refusals, same reasons)."""

from collections.abc import Awaitable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.responses import Response
from temporalio.service import RPCError

from api.auth.principal import Principal
from api.deps import RuntimeDep
from api.routers import delivery, kitchen, orders
from api.routers.common import OrderId
from domain.errors import OrderNotFound
from web.errors import notice
from web.session import SameOrigin, role_in
from workflows.gateway import OrderRefused, OrderUnavailable

router = APIRouter(include_in_schema=False, tags=["pages"], dependencies=[SameOrigin])

Cook = Annotated[Principal, Depends(role_in("kitchen"))]
Driver = Annotated[Principal, Depends(role_in("driver"))]
Owner = Annotated[Principal, Depends(role_in("customer", "admin"))]


async def act(request: Request, call: Awaitable[Any], done: str, back: str) -> Response:
    """Run ``call`` and say how it went; a refusal shows the API's reason."""
    try:
        await call
    except OrderRefused as refused:
        return notice(request, refused.reason, 409, back)
    except OrderNotFound as missing:
        return notice(request, str(missing), 404, back)
    except OrderUnavailable as down:
        return notice(request, f"{down}; try again shortly", 503, back)
    except HTTPException as refused:
        return notice(request, str(refused.detail), refused.status_code, back)
    except RPCError as failure:
        return notice(request, f"Temporal did not answer ({failure.message}); try again", 503, back)
    return notice(request, done, 200, back)


@router.post("/web/kitchen/{order_id}/start")
async def start(request: Request, order_id: OrderId, cook: Cook, runtime: RuntimeDep) -> Response:
    """Start cooking, as POST /kitchen/orders/{id}/start."""
    call = kitchen.start_cooking(order_id, cook, runtime)
    return await act(request, call, f"Order {order_id[:8]} is cooking.", "/kitchen")


@router.post("/web/kitchen/{order_id}/ready")
async def ready(request: Request, order_id: OrderId, cook: Cook, runtime: RuntimeDep) -> Response:
    """Mark ready, as POST /kitchen/orders/{id}/ready."""
    call = kitchen.mark_ready(order_id, cook, runtime)
    return await act(request, call, f"Order {order_id[:8]} is ready for pickup.", "/kitchen")


@router.post("/web/delivery/{order_id}/pickup")
async def pickup(
    request: Request, order_id: OrderId, driver: Driver, runtime: RuntimeDep
) -> Response:
    """Pick up as yourself, as POST /delivery/orders/{id}/pickup."""
    call = delivery.pick_up(order_id, driver, runtime)
    return await act(request, call, f"Order {order_id[:8]} is out with you.", "/delivery")


@router.post("/web/delivery/{order_id}/delivered")
async def delivered(
    request: Request, order_id: OrderId, driver: Driver, runtime: RuntimeDep
) -> Response:
    """Hand over, as POST /delivery/orders/{id}/delivered."""
    call = delivery.mark_delivered(order_id, driver, runtime)
    return await act(request, call, f"Order {order_id[:8]} delivered.", "/delivery")


@router.post("/web/orders/{order_id}/cancel")
async def cancel(
    request: Request, order_id: OrderId, owner: Owner, runtime: RuntimeDep
) -> Response:
    """Cancel, as POST /orders/{id}/cancel (answers once the undo has run)."""
    call = orders.cancel_order(order_id, owner, runtime)
    done = "Your order is cancelled; what was undone is listed below."
    return await act(request, call, done, f"/track/{order_id}")
