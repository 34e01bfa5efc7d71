"""Drivers pick orders up and hand them over."""

from fastapi import APIRouter

from api.deps import DriverRole, RuntimeDep
from api.routers.common import TRANSITION_ERRORS, OrderId, advance
from api.schemas import OrderResponse, PickUpRequest
from domain.commands import MarkDelivered, PickUp

router = APIRouter(prefix="/delivery/orders", tags=["delivery"], responses=TRANSITION_ERRORS)


@router.post("/{order_id}/pickup")
async def pick_up(
    order_id: OrderId,
    _: DriverRole,
    runtime: RuntimeDep,
    body: PickUpRequest | None = None,
) -> OrderResponse:
    """Take a ready order out for delivery (409 unless it is READY)."""
    command = PickUp(order_id=order_id, driver_id=(body or PickUpRequest()).driver_id)
    return await advance(runtime, command)


@router.post("/{order_id}/delivered")
async def mark_delivered(order_id: OrderId, _: DriverRole, runtime: RuntimeDep) -> OrderResponse:
    """Hand the order over (409 unless it is OUT_FOR_DELIVERY)."""
    return await advance(runtime, MarkDelivered(order_id=order_id))
