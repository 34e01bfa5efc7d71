"""Who may open which page and press which button; the cookie and the CSRF check.

The pages authenticate with the API's own tokens, kept in an HttpOnly,
SameSite=Strict cookie; form posts must come from the site's own origin.
"""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from domain.order import OrderStatus
from infra.database import make_engine, make_session_factory
from services.container import Services, build_services, prepare_database
from services.messages import OrderSnapshot, RecordEvents
from tests.api_harness import FakeGateway, app_on, order_state, serving, settings_for
from web.session import COOKIE

OWN, FOREIGN = "order-of-cust-42", "order-of-cust-77"
ORIGIN = {"Origin": "http://testserver"}
# page: (status per role in customer, kitchen, driver, admin order)
PAGES = {
    "/kitchen": (403, 200, 403, 200),
    "/delivery": (403, 403, 200, 200),
    "/admin": (403, 403, 403, 200),
    "/order": (200, 403, 403, 200),
    f"/track/{OWN}": (200, 200, 200, 200),
    f"/track/{FOREIGN}": (404, 200, 200, 200),
    "/track/no-such-order": (404, 404, 404, 404),
}
ROLES = ("customer", "kitchen", "driver", "admin")


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, FakeGateway, Services]]:
    settings = settings_for(tmp_path)
    gateway = FakeGateway(
        {
            OWN: order_state(OWN, "cust-42", OrderStatus.CONFIRMED),
            FOREIGN: order_state(FOREIGN, "cust-77", OrderStatus.COOKING),
        }
    )
    engine = make_engine(settings.database_url)
    services = build_services(settings, make_session_factory(engine))
    await prepare_database(engine, services)
    for state in gateway.orders.values():
        snapshot = OrderSnapshot(**state.model_dump(include=set(OrderSnapshot.model_fields)))
        await services.orders.record(RecordEvents(snapshot=snapshot, events=[]))
    try:
        async with serving(app_on(settings, gateway, services)) as http:
            yield http, gateway, services
    finally:
        await engine.dispose()


def as_role(role: str) -> dict[str, str]:
    return {"Cookie": f"{COOKIE}=dev-{role}-token"}


@pytest.mark.parametrize(
    ("path", "role", "expected"),
    [(path, role, codes[i]) for path, codes in PAGES.items() for i, role in enumerate(ROLES)],
)
async def test_each_page_answers_each_role_as_the_api_would(
    site, path: str, role: str, expected: int
) -> None:
    http, *_ = site

    response = await http.get(path, headers=as_role(role))

    assert response.status_code == expected, response.text
    assert response.headers["content-type"].startswith("text/html")


async def test_a_page_without_a_signed_in_person_sends_them_to_sign_in(site) -> None:
    http, *_ = site

    response = await http.get("/kitchen")

    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=/kitchen"


async def test_signing_in_keeps_the_token_where_no_script_can_read_it(site) -> None:
    http, *_ = site

    response = await http.post(
        "/signin", data={"role": "kitchen", "next": "/kitchen"}, headers=ORIGIN
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/kitchen"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=dev-kitchen-token;")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie


async def test_sign_in_never_redirects_to_another_site(site) -> None:
    http, *_ = site

    response = await http.post(
        "/signin", data={"role": "kitchen", "next": "//evil.example/x"}, headers=ORIGIN
    )

    assert response.headers["location"] == "/"


async def test_a_forged_token_does_not_sign_in(site) -> None:
    http, *_ = site

    response = await http.post("/signin", data={"token": "not-a-token"}, headers=ORIGIN)

    assert response.status_code == 401
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize(
    "headers",
    [{}, {"Origin": "http://evil.example"}, {"Referer": "http://evil.example/page"}],
    ids=["no origin", "another origin", "another referer"],
)
async def test_a_button_pressed_from_another_site_changes_nothing(site, headers) -> None:
    http, gateway, _ = site

    response = await http.post(f"/web/kitchen/{OWN}/start", headers=as_role("kitchen") | headers)

    assert response.status_code == 403
    assert "Origin check failed" in response.text
    assert gateway.mutations() == []


async def test_a_button_calls_the_same_handler_as_the_api(site) -> None:
    http, gateway, _ = site

    response = await http.post(
        f"/web/kitchen/{OWN}/start", headers=as_role("kitchen") | ORIGIN | {"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert "is cooking" in response.text
    assert gateway.mutations() == [("advance", OWN)]


async def test_a_button_for_another_role_is_refused_with_the_reason(site) -> None:
    http, gateway, _ = site

    response = await http.post(
        f"/web/kitchen/{OWN}/start", headers=as_role("driver") | ORIGIN | {"HX-Request": "true"}
    )

    assert response.status_code == 403
    assert "signed in as driver; this is for kitchen" in response.text
    assert gateway.mutations() == []


async def test_another_customers_order_cannot_be_cancelled_from_the_pages(site) -> None:
    http, gateway, _ = site

    response = await http.post(
        f"/web/orders/{FOREIGN}/cancel", headers=as_role("customer") | ORIGIN
    )

    assert response.status_code == 404
    assert gateway.mutations() == []


async def test_the_order_form_refuses_an_empty_order_and_keeps_what_was_typed(site) -> None:
    http, gateway, _ = site

    response = await http.post(
        "/web/orders",
        data={"name": "Ada", "phone": "+39 055 1234567", "email": "a@b.it", "address": "Via X 1"},
        headers=as_role("customer") | ORIGIN,
    )

    assert response.status_code == 422
    assert "Please choose at least one pizza." in response.text
    assert 'value="Ada"' in response.text
    assert gateway.mutations() == []


async def test_the_static_files_are_served_from_the_package(site) -> None:
    http, *_ = site

    htmx = await http.get("/web/static/htmx.min.js")
    sse = await http.get("/web/static/htmx-ext-sse.min.js")

    assert htmx.status_code == sse.status_code == 200
    assert htmx.text.startswith("/*! htmx.org 2.0.11")
    assert "Zero-Clause BSD" in htmx.text[:600]


async def test_the_admin_page_lists_orders_needing_attention_with_retry_and_settle(site) -> None:
    http, _, services = site
    stuck = order_state(OWN, "cust-42", OrderStatus.CANCELLED)
    snapshot = OrderSnapshot(**stuck.model_dump(include=set(OrderSnapshot.model_fields)))
    flagged = snapshot.model_copy(update={"needs_attention": True})
    await services.orders.record(RecordEvents(snapshot=flagged, events=[]))

    response = await http.get("/admin", headers=as_role("admin"))

    attention = response.text.split('id="attention"')[1].split("</section>")[0]
    assert f"/web/admin/orders/{OWN}/retry" in attention
    assert f"/web/admin/orders/{OWN}/resolve" in attention
    assert FOREIGN not in attention


async def test_the_kitchen_board_flags_an_order_waiting_past_its_sla(tmp_path: Path) -> None:
    settings = settings_for(tmp_path).model_copy(update={"cooking_sla_seconds": 0.0})
    state = order_state(OWN, "cust-42", OrderStatus.CONFIRMED)
    engine = make_engine(settings.database_url)
    services = build_services(settings, make_session_factory(engine))
    await prepare_database(engine, services)
    snapshot = OrderSnapshot(**state.model_dump(include=set(OrderSnapshot.model_fields)))
    await services.orders.record(RecordEvents(snapshot=snapshot, events=[]))
    try:
        async with serving(app_on(settings, FakeGateway({OWN: state}), services)) as http:
            response = await http.get("/kitchen", headers=as_role("kitchen"))
    finally:
        await engine.dispose()

    assert f'class="card late" data-order-id="{OWN}"' in response.text
    assert "late: over the SLA" in response.text
