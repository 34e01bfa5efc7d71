"""The demo's script: which orders to place and how kitchen, drivers and customers treat them.

Everything random comes from one seeded generator, so the same ``--seed``
places the same orders and makes the same choices.
"""

import asyncio
import random
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

import httpx

from domain.menu import MENU, Size

NAMES = ("Luigi", "Peach", "Toad", "Daisy", "Wario", "Yoshi", "Rosalina", "Bowser")
SETTLED = frozenset({"CONFIRMED", "REJECTED", "CANCELLED"})
WAIT_SECONDS = 60.0


@dataclass(frozen=True)
class Tokens:
    """A bearer token per staff role; the admin also takes the customers' orders by phone."""

    kitchen: str
    driver: str
    admin: str


@dataclass(frozen=True)
class OrderPlan:
    """What happens to one order."""

    index: int
    body: dict[str, Any]
    cancel: bool
    pauses: tuple[float, float, float, float]


@dataclass
class Outcome:
    """How one order ended."""

    order_id: str
    status: str
    total: str
    pizzas: int
    events: list[str] = field(default_factory=list)
    sms: str = "-"
    note: str = ""


def plan_orders(count: int, seed: int, cancel_share: float = 0.2) -> list[OrderPlan]:
    """``count`` reproducible orders; about ``cancel_share`` of them get cancelled."""
    rng = random.Random(seed)
    return [_plan(index, rng, cancel_share) for index in range(count)]


def _plan(index: int, rng: random.Random, cancel_share: float) -> OrderPlan:
    name = rng.choice(NAMES)
    items = [
        {"pizza": rng.choice(sorted(MENU)), "size": rng.choice(list(Size)).value, "quantity": q}
        for q in (rng.randint(1, 3) for _ in range(rng.randint(1, 3)))
    ]
    body = {
        "customer": {
            "id": f"demo-{name.lower()}",
            "name": name,
            "phone": f"+39 055 {rng.randint(1000000, 9999999)}",
            "email": f"{name.lower()}@example.com",
        },
        "items": items,
        "delivery_address": f"Via Roma {rng.randint(1, 200)}, Firenze",
    }
    pauses = (rng.uniform(0, 0.5), rng.uniform(0, 0.5), rng.uniform(0, 0.5), rng.uniform(0, 0.5))
    return OrderPlan(index, body, rng.random() < cancel_share, pauses)


async def play(http: httpx.AsyncClient, plan: OrderPlan, tokens: Tokens, run: str) -> Outcome:
    """Take the order by phone (an admin places for the customer), then cancel it or walk it
    through kitchen and delivery."""
    headers = _auth(tokens.admin) | {"Idempotency-Key": f"demo-{run}-{plan.index}"}
    placed = (await _ok(http.post("/orders", json=plan.body, headers=headers))).json()
    order_id = placed["order_id"]
    status = await wait_for(http, order_id, tokens.admin)
    if status == "CONFIRMED" and plan.cancel:
        await _ok(http.post(f"/orders/{order_id}/cancel", headers=_auth(tokens.admin)))
    elif status == "CONFIRMED":
        await deliver(http, order_id, plan, tokens)
    return await outcome(http, order_id, tokens.admin)


async def deliver(http: httpx.AsyncClient, order_id: str, plan: OrderPlan, tokens: Tokens) -> None:
    """Kitchen starts and finishes; a driver picks up and hands over."""
    steps = (
        (f"/kitchen/orders/{order_id}/start", tokens.kitchen),
        (f"/kitchen/orders/{order_id}/ready", tokens.kitchen),
        (f"/delivery/orders/{order_id}/pickup", tokens.driver),
        (f"/delivery/orders/{order_id}/delivered", tokens.driver),
    )
    for (path, token), pause in zip(steps, plan.pauses, strict=True):
        await asyncio.sleep(pause)
        await _ok(http.post(path, headers=_auth(token)))


async def wait_for(http: httpx.AsyncClient, order_id: str, token: str) -> str:
    """Wait until payment and stock are settled (CONFIRMED, REJECTED or CANCELLED).

    The API holds the request (``wait_for``) until the order gets there: no polling.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_SECONDS
    wait = {"wait_for": "CONFIRMED", "timeout": "30"}
    while True:
        answer = await _ok(http.get(f"/orders/{order_id}", params=wait, headers=_auth(token)))
        status = str(answer.json()["status"])
        if status in SETTLED or loop.time() > deadline:
            return status


async def outcome(http: httpx.AsyncClient, order_id: str, token: str) -> Outcome:
    """The order as it ended."""
    view = (await _ok(http.get(f"/orders/{order_id}", headers=_auth(token)))).json()
    return Outcome(
        order_id=order_id,
        status=view["status"],
        total=view["total"],
        pizzas=sum(item["quantity"] for item in view["items"]),
        events=[entry["type"] for entry in view["timeline"]],
        sms=sms_outcome(view["timeline"]),
    )


def sms_outcome(timeline: list[dict[str, Any]]) -> str:
    """Whether the customer's texts went out: failed, sent, or still pending."""
    texts = {e["type"] for e in timeline if e.get("data", {}).get("channel") == "sms"}
    if "NotificationFailed" in texts:
        return "failed"
    return "sent" if "NotificationSent" in texts else "pending"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _ok(request: Awaitable[httpx.Response]) -> httpx.Response:
    response = await request
    if response.is_error:
        detail = response.json().get("detail") if response.content else ""
        raise DemoStepFailed(
            f"{response.request.method} {response.request.url.path}: "
            f"{response.status_code} {detail}"
        )
    return response


class DemoStepFailed(Exception):
    """The API refused a step of the demo."""
