"""The menu: pizzas, sizes, decimal prices and the recipe each pizza uses."""

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.errors import UnknownPizza


class Size(StrEnum):
    """Pizza sizes; the price depends on the size, the recipe does not."""

    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


class Pizza(BaseModel):
    """A pizza on the menu with its price per size and its ingredients (portions)."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    prices: dict[Size, Decimal]
    recipe: dict[str, int]


def _pizza(id: str, name: str, small: str, recipe: dict[str, int]) -> Pizza:
    # Medium and large follow a fixed markup so the menu stays consistent.
    base = Decimal(small)
    prices = {Size.SMALL: base, Size.MEDIUM: base + Decimal("2.50"), Size.LARGE: base + 5}
    return Pizza(id=id, name=name, prices=prices, recipe={"dough": 1, **recipe})


MENU: dict[str, Pizza] = {
    p.id: p
    for p in (
        _pizza("margherita", "Margherita", "8.50", {"tomato": 1, "mozzarella": 1, "basil": 1}),
        _pizza("marinara", "Marinara", "7.50", {"tomato": 1, "garlic": 1, "oregano": 1}),
        _pizza("pepperoni", "Pepperoni", "10.00", {"tomato": 1, "mozzarella": 1, "pepperoni": 1}),
        _pizza("diavola", "Diavola", "10.50", {"tomato": 1, "mozzarella": 1, "salami": 1}),
        _pizza(
            "quattro_formaggi",
            "Quattro Formaggi",
            "11.00",
            {"mozzarella": 1, "gorgonzola": 1, "parmesan": 1, "fontina": 1},
        ),
        _pizza(
            "capricciosa",
            "Capricciosa",
            "11.50",
            {"tomato": 1, "mozzarella": 1, "ham": 1, "mushrooms": 1, "artichokes": 1},
        ),
    )
}


def pizza(pizza_id: str) -> Pizza:
    """Look a pizza up by id, refusing anything that is not on the menu."""
    try:
        return MENU[pizza_id]
    except KeyError:
        raise UnknownPizza(
            f"'{pizza_id}' is not on the menu; choose one of {sorted(MENU)}"
        ) from None


def price(pizza_id: str, size: Size) -> Decimal:
    """The unit price of one pizza of that size."""
    return pizza(pizza_id).prices[size]


def ingredients_for(lines: list[tuple[str, int]]) -> dict[str, int]:
    """Portions of each ingredient needed for (pizza id, quantity) lines."""
    needed: dict[str, int] = {}
    for pizza_id, quantity in lines:
        for ingredient, portions in pizza(pizza_id).recipe.items():
            needed[ingredient] = needed.get(ingredient, 0) + portions * quantity
    return dict(sorted(needed.items()))
