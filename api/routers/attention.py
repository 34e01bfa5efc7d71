"""Admins see the orders whose undo waits for a person, and retry or settle that undo.

An undo (refund, release, ticket cancel) still failing past its retry bound
flags the order (``needs_attention``); the saga keeps trying meanwhile. An
admin lists those orders, has the undo tried again at once, or marks it
settled by hand. In choreography such an undo is a dead letter instead, and
both actions answer 409 saying how to replay it.
"""

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import AdminRole, RuntimeDep
from api.routers.common import TRANSITION_ERRORS, OrderId, after_change
from api.schemas import OrderList, OrderResponse, ResolveRequest
from api.views import summary
from domain.order import OrderStatus
from workflows.contracts import ResolveCompensation, RetryCompensation

router = APIRouter(prefix="/admin/orders", tags=["admin"], responses=TRANSITION_ERRORS)


@router.get("")
async def list_orders(
    _: AdminRole,
    runtime: RuntimeDep,
    needs_attention: Annotated[
        bool | None, Query(description="true: only the orders an undo of which waits for a person")
    ] = None,
    status_: Annotated[OrderStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> OrderList:
    """List orders from the read model, e.g. those that need a person (`needs_attention=true`)."""
    snapshots = await runtime.services.orders.list(status_, limit, needs_attention=needs_attention)
    return OrderList(orders=[summary(runtime.settings, s) for s in snapshots])


@router.post("/{order_id}/compensation/retry")
async def retry_compensation(
    order_id: OrderId, admin: AdminRole, runtime: RuntimeDep
) -> OrderResponse:
    """Try the stuck undo again now; answers once that try has ended (409 if none is stuck)."""
    command = RetryCompensation(order_id=order_id, requested_by=admin.subject)
    return await after_change(runtime, await runtime.gateway.retry_compensation(command), admin)


@router.post("/{order_id}/compensation/resolve")
async def resolve_compensation(
    order_id: OrderId, body: ResolveRequest, admin: AdminRole, runtime: RuntimeDep
) -> OrderResponse:
    """Mark the stuck undo settled by hand, with a note (409 if none is stuck)."""
    command = ResolveCompensation(order_id=order_id, note=body.note, resolved_by=admin.subject)
    state = await runtime.gateway.resolve_compensation(command)
    return await after_change(runtime, state, admin)
