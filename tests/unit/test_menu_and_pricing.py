"""Menu prices are decimals; an order's total is the sum of its lines."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from domain.errors import UnknownPizza
from domain.menu import MENU, Size, ingredients_for, price
from domain.order import OrderItem, order_total, pizza_count


def test_margherita_is_always_on_the_menu_with_the_documented_prices() -> None:
    assert MENU["margherita"].prices == {
        Size.SMALL: Decimal("8.50"),
        Size.MEDIUM: Decimal("11.00"),
        Size.LARGE: Decimal("13.50"),
    }


def test_every_price_is_a_two_decimal_amount() -> None:
    for pizza in MENU.values():
        for amount in pizza.prices.values():
            assert isinstance(amount, Decimal)
            assert amount == amount.quantize(Decimal("0.01"))


def test_total_sums_unit_price_times_quantity_exactly() -> None:
    items = [
        OrderItem(pizza="margherita", size=Size.LARGE, quantity=2),
        OrderItem(pizza="marinara", size=Size.SMALL, quantity=1),
    ]
    assert order_total(items) == Decimal("34.50")
    assert pizza_count(items) == 3


def test_unknown_pizza_is_refused_by_name() -> None:
    with pytest.raises(UnknownPizza, match="'hawaiian' is not on the menu"):
        price("hawaiian", Size.SMALL)


def test_an_order_line_for_an_unknown_pizza_fails_validation_naming_the_field() -> None:
    with pytest.raises(ValidationError) as error:
        OrderItem(pizza="hawaiian", size=Size.SMALL, quantity=1)
    assert error.value.errors()[0]["loc"] == ("pizza",)


@pytest.mark.parametrize("quantity", [0, -1, 21])
def test_quantities_outside_one_to_twenty_are_refused(quantity: int) -> None:
    with pytest.raises(ValidationError):
        OrderItem(pizza="margherita", size=Size.SMALL, quantity=quantity)


def test_ingredients_scale_with_quantity() -> None:
    needed = ingredients_for([("margherita", 3)])
    assert needed == {"basil": 3, "dough": 3, "mozzarella": 3, "tomato": 3}
