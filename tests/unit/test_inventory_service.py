"""Inventory: all-or-nothing reservations, released once, never below zero."""

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.errors import OutOfStock, ProviderUnavailable
from domain.menu import Size
from domain.order import OrderItem
from services.container import Services
from services.faults import FaultInjector
from services.inventory import DEFAULT_PORTIONS, InventoryService, menu_ingredients
from services.messages import Fault, LowStock, ReleaseStock, ReserveStock

MARGHERITAS = [OrderItem(pizza="margherita", size=Size.SMALL, quantity=2)]
MARGHERITA_NEEDS = {"basil": 2, "dough": 2, "mozzarella": 2, "tomato": 2}


def reserve(
    order_id: str, key: str | None = None, items: list[OrderItem] = MARGHERITAS
) -> ReserveStock:
    return ReserveStock(
        order_id=order_id, idempotency_key=key or f"reserve-{order_id}", items=items
    )


def release(order_id: str, key: str | None = None) -> ReleaseStock:
    return ReleaseStock(order_id=order_id, idempotency_key=key or f"release-{order_id}")


@pytest.fixture
def unseeded(sessions: async_sessionmaker[AsyncSession]) -> InventoryService:
    """An inventory with empty shelves, for tests that choose their own levels."""
    return InventoryService(sessions, FaultInjector(sessions))


async def test_seed_stocks_every_menu_ingredient(services: Services) -> None:
    assert await services.inventory.levels() == dict.fromkeys(menu_ingredients(), DEFAULT_PORTIONS)


async def test_seed_leaves_existing_ingredients_alone(services: Services) -> None:
    await services.inventory.reserve(reserve("o1"))
    await services.inventory.seed({"basil": 999, "truffle": 5})

    levels = await services.inventory.levels()
    assert levels["basil"] == DEFAULT_PORTIONS - 2
    assert levels["truffle"] == 5


async def test_reserve_takes_the_orders_ingredients(services: Services) -> None:
    reserved = await services.inventory.reserve(reserve("o1"))

    assert reserved.ingredients == MARGHERITA_NEEDS
    assert reserved.low == []
    assert (await services.inventory.levels())["mozzarella"] == DEFAULT_PORTIONS - 2


async def test_same_key_twice_reserves_once_and_returns_the_first_result(
    services: Services,
) -> None:
    first = await services.inventory.reserve(reserve("o1"))
    second = await services.inventory.reserve(reserve("o1"))

    assert second == first
    assert (await services.inventory.levels())["dough"] == DEFAULT_PORTIONS - 2


async def test_a_second_reservation_for_the_same_order_does_not_take_more(
    services: Services,
) -> None:
    first = await services.inventory.reserve(reserve("o1", key="a"))
    second = await services.inventory.reserve(reserve("o1", key="b"))

    assert second == first
    assert (await services.inventory.levels())["dough"] == DEFAULT_PORTIONS - 2


async def test_out_of_stock_refuses_names_the_shortfall_and_changes_nothing(
    unseeded: InventoryService,
) -> None:
    await unseeded.seed({"dough": 9, "tomato": 9, "mozzarella": 9, "pepperoni": 1})
    two_pepperoni = [OrderItem(pizza="pepperoni", size=Size.LARGE, quantity=2)]

    with pytest.raises(OutOfStock, match=r"pepperoni \(need 2, have 1\)"):
        await unseeded.reserve(reserve("o1", items=two_pepperoni))

    assert await unseeded.levels() == {"dough": 9, "mozzarella": 9, "pepperoni": 1, "tomato": 9}
    assert (await unseeded.release(release("o1"))).ingredients == {}


async def test_refused_order_can_reserve_after_a_restock(unseeded: InventoryService) -> None:
    await unseeded.seed({"dough": 9, "tomato": 9, "mozzarella": 9, "pepperoni": 0})
    pepperoni = [OrderItem(pizza="pepperoni", size=Size.SMALL, quantity=1)]
    with pytest.raises(OutOfStock):
        await unseeded.reserve(reserve("o1", items=pepperoni))

    assert await unseeded.restock("pepperoni", 3) == 3
    reserved = await unseeded.reserve(reserve("o1", items=pepperoni))

    assert reserved.ingredients["pepperoni"] == 1
    assert (await unseeded.levels())["pepperoni"] == 2


async def test_reports_ingredients_that_fell_under_their_threshold(
    unseeded: InventoryService,
) -> None:
    await unseeded.seed({"dough": 100, "tomato": 100, "mozzarella": 100}, threshold=20)
    await unseeded.seed({"salami": 21}, threshold=20)
    diavola = [OrderItem(pizza="diavola", size=Size.MEDIUM, quantity=2)]

    reserved = await unseeded.reserve(reserve("o1", items=diavola))

    assert reserved.low == [LowStock(ingredient="salami", remaining=19, threshold=20)]
    assert await unseeded.reserve(reserve("o1", items=diavola)) == reserved


async def test_release_gives_the_reservation_back_once(services: Services) -> None:
    await services.inventory.reserve(reserve("o1"))

    released = await services.inventory.release(release("o1"))
    again = await services.inventory.release(release("o1", key="another-key"))

    assert released.ingredients == MARGHERITA_NEEDS
    assert again.ingredients == {}
    assert await services.inventory.release(release("o1")) == released
    assert await services.inventory.levels() == dict.fromkeys(menu_ingredients(), DEFAULT_PORTIONS)


async def test_releasing_an_order_without_a_reservation_returns_nothing(
    services: Services,
) -> None:
    assert (await services.inventory.release(release("never-reserved"))).ingredients == {}


async def test_a_reservation_arriving_after_its_release_takes_nothing(services: Services) -> None:
    await services.inventory.release(release("o1"))

    late = await services.inventory.reserve(reserve("o1"))

    assert late.ingredients == {}
    assert await services.inventory.levels() == dict.fromkeys(menu_ingredients(), DEFAULT_PORTIONS)


async def test_inventory_outage_refuses_before_touching_stock(services: Services) -> None:
    await services.faults.set("inventory", Fault(mode="down", remaining=1))

    with pytest.raises(ProviderUnavailable):
        await services.inventory.reserve(reserve("o1"))

    assert await services.inventory.levels() == dict.fromkeys(menu_ingredients(), DEFAULT_PORTIONS)
    assert (await services.inventory.reserve(reserve("o1"))).ingredients == MARGHERITA_NEEDS


async def test_restock_refuses_a_non_positive_quantity(services: Services) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        await services.inventory.restock("basil", 0)


async def test_a_stock_take_sets_the_counted_level_and_repeats_harmlessly(
    services: Services,
) -> None:
    assert await services.inventory.count_stock("basil", 7) == 7
    assert await services.inventory.count_stock("basil", 7) == 7
    assert (await services.inventory.levels())["basil"] == 7
    with pytest.raises(ValueError, match="cannot be negative"):
        await services.inventory.count_stock("basil", -1)
