"""The pizzeria's pages in a real browser (Chromium via Playwright) on the real stack.

Every board is opened before the change it must show, and a marker set on
each page proves the change arrived without a reload (over the page's SSE
stream). Expectations wait (Playwright's auto-wait) rather than time anything.
"""

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, Page, expect

from infra.settings import Settings
from tests.api_harness import live_server, token_maker
from tests.integration.browser import Shots, chromium, signed_in, signed_in_with
from tests.integration.choreo_fixtures import choreography_on_own_server

WAIT_MS = 20_000


@pytest.fixture(scope="session")
async def launched() -> AsyncIterator[Browser]:
    async with chromium() as browser:
        yield browser


@pytest.fixture
async def browser(launched: Browser) -> AsyncIterator[Browser]:
    """The session's browser; every page a test opened is closed after it (streams and all)."""
    yield launched
    await close_pages(launched)


async def close_pages(browser: Browser) -> None:
    for context in browser.contexts:
        await context.close()


@pytest.fixture(scope="session")
async def base_url(api_app: FastAPI) -> AsyncIterator[str]:
    async with live_server(api_app) as url:
        yield url


async def never_reloaded(*pages: Page) -> None:
    """Mark each page; ``still_not_reloaded`` fails if any page was loaded again since."""
    for page in pages:
        await page.evaluate("window.__sameDocument = true")


async def still_not_reloaded(*pages: Page) -> None:
    for page in pages:
        assert await page.evaluate("window.__sameDocument === true"), f"{page.url} reloaded"


async def place_order(customer: Page, **fields: Any) -> str:
    """Order two large margheritas on /order and return the new order's id (from the tracker)."""
    await customer.goto("/order")
    await customer.get_by_label("How many Margherita").fill("2")
    await customer.get_by_label("Size of Margherita").select_option("large")
    await customer.get_by_label("Name").fill(fields.get("name", "Luigi"))
    await customer.get_by_label("Phone").fill("+39 055 123 4567")
    await customer.get_by_label("Email").fill("luigi@example.com")
    await customer.get_by_label("Delivery address").fill("Via Roma 1, Firenze")
    await customer.get_by_role("button", name="Place order").click()
    await customer.wait_for_url(re.compile(r"/track/[0-9a-f-]+$"))
    return customer.url.rsplit("/", 1)[1]


def card(page: Page, column: str, order_id: str) -> Any:
    return page.locator(f"#{column} [data-order-id='{order_id}']")


async def status_is(tracker: Page, status: str) -> None:
    await expect(tracker.locator(f"[data-status='{status}']")).to_be_visible(timeout=WAIT_MS)


async def test_an_order_goes_from_the_order_page_through_both_boards_to_the_door(
    browser: Browser, base_url: str
) -> None:
    await order_to_door(browser, base_url, "saga")


async def test_the_same_pages_drive_an_order_in_choreography(
    browser: Browser, tmp_path: Path
) -> None:
    async with choreography_on_own_server(tmp_path) as stack, live_server(stack.app) as url:
        await order_to_door(browser, url, "choreography")
        await cancel_and_see_the_undo(browser, url, "choreography")
        await close_pages(browser)  # before this stack's server stops


async def order_to_door(browser: Browser, base_url: str, mode: str) -> None:
    """Place on /order, start and ready on the kitchen board, pick up and deliver on the
    driver board, while the tracker follows every step."""
    customer = await signed_in(browser, base_url, "customer", width=390)
    kitchen = await signed_in(browser, base_url, "kitchen")
    driver = await signed_in(browser, base_url, "driver", width=390)
    async with Shots(f"{mode}-order-to-door") as shots:
        shots.pages = {"tracker": customer, "kitchen": kitchen, "driver": driver}
        await kitchen.goto("/kitchen")
        await driver.goto("/delivery")
        await never_reloaded(kitchen, driver)

        order_id = await place_order(customer)
        await never_reloaded(customer)
        queued = card(kitchen, "col-confirmed", order_id)
        await expect(queued).to_be_visible(timeout=WAIT_MS)
        await expect(queued).to_contain_text("2 \u00d7 Margherita (large)")
        await status_is(customer, "CONFIRMED")
        await shots.on_success("confirmed")

        await queued.get_by_role("button", name=re.compile("Start cooking")).click()
        cooking = card(kitchen, "col-cooking", order_id)
        await expect(cooking).to_be_visible(timeout=WAIT_MS)
        await status_is(customer, "COOKING")

        await cooking.get_by_role("button", name=re.compile("Ready")).click()
        await expect(card(kitchen, "col-ready", order_id)).to_be_visible(timeout=WAIT_MS)
        await status_is(customer, "READY")
        to_pick = card(driver, "col-ready", order_id)
        await expect(to_pick).to_contain_text("Via Roma 1, Firenze", timeout=WAIT_MS)
        await shots.on_success("ready")

        await to_pick.get_by_role("button", name=re.compile("Pick up")).click()
        out = card(driver, "col-out", order_id)
        await expect(out).to_be_visible(timeout=WAIT_MS)
        await expect(card(kitchen, "col-ready", order_id)).to_have_count(0, timeout=WAIT_MS)
        await status_is(customer, "OUT_FOR_DELIVERY")
        await shots.on_success("out")

        await out.get_by_role("button", name=re.compile("Delivered")).click()
        await expect(out).to_have_count(0, timeout=WAIT_MS)
        await status_is(customer, "DELIVERED")
        timeline = customer.locator(".timeline")
        for words in (
            "Order placed",
            "Order confirmed",
            "The kitchen started cooking",
            "Ready for pickup",
            "A driver picked it up",
            "Delivered",
        ):
            await expect(timeline).to_contain_text(words)
        await still_not_reloaded(kitchen, driver, customer)
        await shots.on_success("delivered")


async def test_a_refused_move_shows_the_apis_reason(browser: Browser, base_url: str) -> None:
    customer = await signed_in(browser, base_url, "customer")
    kitchen = await signed_in(browser, base_url, "kitchen")
    async with Shots("refused") as shots:
        shots.pages = {"kitchen": kitchen}
        order_id = await place_order(customer)
        await status_is(customer, "CONFIRMED")
        # A board that lost its stream still shows the order as waiting ...
        await kitchen.route("**/web/stream/**", lambda route: route.abort())
        await kitchen.goto("/kitchen")
        # ... while another cook starts it.
        other = await signed_in(browser, base_url, "kitchen")
        started = await other.request.post(
            f"/web/kitchen/{order_id}/start", headers={"Origin": base_url}
        )
        assert started.ok

        queued = card(kitchen, "col-confirmed", order_id)
        await queued.get_by_role("button", name=re.compile("Start cooking")).click()

        alert = kitchen.get_by_role("alert")
        await expect(alert).to_contain_text("COOKING", timeout=WAIT_MS)
        await shots.on_success("refused")


async def test_a_customer_cancels_from_the_tracker_and_sees_what_was_undone(
    browser: Browser, base_url: str
) -> None:
    await cancel_and_see_the_undo(browser, base_url, "saga")


async def cancel_and_see_the_undo(browser: Browser, base_url: str, mode: str) -> None:
    """Cancel a confirmed order from its tracker; the refund and the stock put back show."""
    customer = await signed_in(browser, base_url, "customer")
    async with Shots(f"{mode}-cancel") as shots:
        shots.pages = {"tracker": customer}
        await place_order(customer)
        await status_is(customer, "CONFIRMED")
        await customer.get_by_role("button", name="Cancel this order").click()
        await status_is(customer, "CANCELLED")
        undone = customer.locator(".undone")
        await expect(undone).to_contain_text("Your payment was refunded", timeout=WAIT_MS)
        await expect(undone).to_contain_text("The ingredients set aside were put back")
        await expect(customer.get_by_role("button", name="Cancel this order")).to_have_count(0)
        await shots.on_success("cancelled")


async def test_another_customers_tracker_is_refused(
    browser: Browser, base_url: str, stack_settings: Settings
) -> None:
    owner = await signed_in(browser, base_url, "customer")
    stranger = await signed_in_with(
        browser, base_url, token_maker(stack_settings)("cust-77", "customer")
    )
    async with Shots("foreign") as shots:
        shots.pages = {"stranger": stranger}
        order_id = await place_order(owner)

        answer = await stranger.goto(f"/track/{order_id}")

        assert answer is not None and answer.status == 404
        await expect(stranger.get_by_role("alert")).to_contain_text(
            f"no order with id '{order_id}'"
        )
        await expect(stranger.locator(".timeline")).to_have_count(0)
        stream = await stranger.request.get(f"/web/stream/track/{order_id}")
        assert stream.status == 404
        await shots.on_success("refused")


async def test_an_admin_counts_stock_and_takes_a_provider_down_and_back(
    browser: Browser, base_url: str
) -> None:
    admin = await signed_in(browser, base_url, "admin")
    order_id = await place_order(await signed_in(browser, base_url, "customer"))
    async with Shots("admin") as shots:
        shots.pages = {"admin": admin}
        await admin.goto("/admin")
        await admin.get_by_label("Ingredient").select_option("basil")
        await admin.get_by_label("Portions counted").fill("321")
        await admin.get_by_role("button", name="Record stock-take").click()
        await expect(admin.locator("#stock [data-ingredient='basil']")).to_contain_text("321")

        sms = admin.locator("#faults [data-provider='sms']")
        await sms.get_by_role("button", name=re.compile("Take down")).click()
        await expect(sms).to_contain_text("down")
        await shots.on_success("sms-down")
        await sms.get_by_role("button", name=re.compile("Restore")).click()
        await expect(sms).to_contain_text("working")
        row = admin.locator(f"#orders [data-order-id='{order_id}']")
        link = row.get_by_role("link", name="Temporal UI")
        await expect(link).to_have_attribute("href", re.compile(f"/workflows/order-{order_id}$"))
