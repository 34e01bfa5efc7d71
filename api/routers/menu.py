"""The menu: pizzas, sizes and prices."""

from fastapi import APIRouter

from api.schemas import MenuPizza, MenuResponse
from domain.menu import MENU, Size

router = APIRouter(tags=["menu"])


@router.get("/menu")
async def show_menu() -> MenuResponse:
    """Every pizza with its price per size; no token needed."""
    pizzas = [
        MenuPizza(id=p.id, name=p.name, prices=dict(p.prices), ingredients=sorted(p.recipe))
        for p in MENU.values()
    ]
    return MenuResponse(pizzas=pizzas, sizes=list(Size))
