"""Staff look at the shelves; admins record a stock-take (a long-running stack needs restocking)."""

from fastapi import APIRouter, HTTPException, Path, status
from pydantic import BaseModel, Field

from api.deps import AdminRole, ServicesDep, StaffRole
from services.stock import menu_ingredients

router = APIRouter(
    prefix="/admin/inventory",
    tags=["admin"],
    responses={
        401: {"description": "Missing or unknown bearer token"},
        403: {"description": "Not allowed for this role"},
    },
)

INGREDIENT = Path(description="An ingredient used by the menu", examples=["basil"])


class StockTake(BaseModel):
    """Portions counted on the shelf."""

    quantity: int = Field(ge=0, le=1_000_000, examples=[500])


@router.get("")
async def stock_levels(_: StaffRole, services: ServicesDep) -> dict[str, int]:
    """Portions on the shelf, by ingredient."""
    return await services.inventory.levels()


@router.put("/{ingredient}", responses={404: {"description": "Not an ingredient of the menu"}})
async def count_stock(
    body: StockTake, _: AdminRole, services: ServicesDep, ingredient: str = INGREDIENT
) -> dict[str, int]:
    """Set the level to what was counted; repeating the same count changes nothing."""
    known = menu_ingredients()
    if ingredient not in known:
        detail = f"'{ingredient}' is not used by the menu; choose one of {', '.join(sorted(known))}"
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail)
    return {ingredient: await services.inventory.count_stock(ingredient, body.quantity)}
