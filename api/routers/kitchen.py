"""The kitchen starts cooking and marks orders ready."""

from fastapi import APIRouter

from api.deps import KitchenRole, RuntimeDep
from api.routers.common import TRANSITION_ERRORS, OrderId, advance
from api.schemas import OrderResponse
from domain.commands import MarkReady, StartCooking

router = APIRouter(prefix="/kitchen/orders", tags=["kitchen"], responses=TRANSITION_ERRORS)


@router.post("/{order_id}/start")
async def start_cooking(order_id: OrderId, cook: KitchenRole, runtime: RuntimeDep) -> OrderResponse:
    """Start cooking a confirmed order (409 unless it is CONFIRMED)."""
    return await advance(runtime, StartCooking(order_id=order_id), cook)


@router.post("/{order_id}/ready")
async def mark_ready(order_id: OrderId, cook: KitchenRole, runtime: RuntimeDep) -> OrderResponse:
    """Mark a cooking order ready for pickup (409 unless it is COOKING)."""
    return await advance(runtime, MarkReady(order_id=order_id), cook)
