"""Drivers pick orders up and hand them over."""

from fastapi import APIRouter, HTTPException, status

from api.deps import DriverRole, RuntimeDep
from api.routers.common import TRANSITION_ERRORS, OrderId, advance
from api.schemas import OrderResponse, PickUpRequest
from domain.commands import MarkDelivered, PickUp

router = APIRouter(prefix="/delivery/orders", tags=["delivery"], responses=TRANSITION_ERRORS)


@router.post("/{order_id}/pickup")
async def pick_up(
    order_id: OrderId,
    driver: DriverRole,
    runtime: RuntimeDep,
    body: PickUpRequest | None = None,
) -> OrderResponse:
    """Take a ready order out for delivery as yourself (409 unless it is READY)."""
    driver_id = (body or PickUpRequest()).driver_id or driver.subject
    if driver_id != driver.subject:
        detail = f"a driver picks up as itself: driver_id must be '{driver.subject}' or left out"
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail)
    return await advance(runtime, PickUp(order_id=order_id, driver_id=driver_id), driver)


@router.post("/{order_id}/delivered")
async def mark_delivered(
    order_id: OrderId, driver: DriverRole, runtime: RuntimeDep
) -> OrderResponse:
    """Hand the order over (409 unless it is OUT_FOR_DELIVERY)."""
    return await advance(runtime, MarkDelivered(order_id=order_id), driver)
