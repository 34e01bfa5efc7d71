"""Staff read stock levels; admins record a stock-take so a long-running pizzeria keeps selling."""

from tests.integration.conftest import OrderDesk


async def test_an_admin_stock_take_sets_the_level_and_repeating_it_changes_nothing(
    desk: OrderDesk,
) -> None:
    for _ in range(2):
        response = await desk.call("PUT", "/admin/inventory/basil", "admin", json={"quantity": 900})
        assert response.status_code == 200, response.text
        assert response.json() == {"basil": 900}
    levels = await desk.call("GET", "/admin/inventory", "kitchen")
    assert levels.status_code == 200 and levels.json()["basil"] == 900


async def test_a_stock_take_is_for_admins_and_menu_ingredients_only(desk: OrderDesk) -> None:
    refused = await desk.call("PUT", "/admin/inventory/basil", "kitchen", json={"quantity": 1})
    assert refused.status_code == 403
    unknown = await desk.call("PUT", "/admin/inventory/pineapple", "admin", json={"quantity": 1})
    assert unknown.status_code == 404 and "pineapple" in unknown.json()["detail"]
    negative = await desk.call("PUT", "/admin/inventory/basil", "admin", json={"quantity": -1})
    assert negative.status_code == 422
