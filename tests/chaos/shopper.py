"""A customer and the staff as a chaos drill needs them: every call retried until it lands.

An order is placed with an Idempotency-Key and the same key is sent again after
any error, so a placed order is never placed twice however often the API dies
under the call. Staff moves are retried too; a 409 after a lost answer means
the move already happened, which the next read confirms.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

CUSTOMER = {"Authorization": "Bearer dev-customer-token"}
KITCHEN = {"Authorization": "Bearer dev-kitchen-token"}
DRIVER = {"Authorization": "Bearer dev-driver-token"}
ADMIN = {"Authorization": "Bearer dev-admin-token"}
ORDER = {
    # The dev customer token is customer cust-42: it may only order for itself.
    "customer": {"id": "cust-42", "name": "Ada", "phone": "+39 055 123 4567", "email": "a@ex.com"},
    "items": [{"pizza": "margherita", "size": "medium", "quantity": 1}],
    "delivery_address": "Via dei Calzaiuoli 7",
}
STAFF_MOVES = (
    ("kitchen", "start", KITCHEN, "COOKING"),
    ("kitchen", "ready", KITCHEN, "READY"),
    ("delivery", "pickup", DRIVER, "OUT_FOR_DELIVERY"),
    ("delivery", "delivered", DRIVER, "DELIVERED"),
)
TERMINAL = ("DELIVERED", "CANCELLED", "REJECTED")
RETRY_SECONDS = 0.3
GIVE_UP_SECONDS = 240.0


@dataclass
class Tally:
    """What the drill saw: orders placed and their ids, how many calls failed and were retried."""

    placed: dict[str, str] = field(default_factory=dict)  # idempotency key -> order id
    retries: int = 0
    final: dict[str, str] = field(default_factory=dict)  # order id -> last status


class Shopper:
    """Places orders and walks them to DELIVERED through whatever the stack goes through."""

    def __init__(self, url: str) -> None:
        self.http = httpx.AsyncClient(base_url=url, timeout=15)
        self.tally = Tally()

    async def close(self) -> None:
        """Close the connection pool."""
        await self.http.aclose()

    async def place(self, key: str) -> str:
        """Place one order under ``key`` (retrying with the same key); its id."""
        headers = {**CUSTOMER, "Idempotency-Key": key}
        answer = await self._until_ok(
            lambda: self.http.post("/orders", json=ORDER, headers=headers)
        )
        order_id: str = answer.json()["order_id"]
        assert self.tally.placed.setdefault(key, order_id) == order_id, "same key, another order"
        return order_id

    async def status(self, order_id: str, wait_for: str | None = None) -> str:
        """The order's status; with ``wait_for``, once it got there (or ended, or 10 s passed)."""
        params = {"wait_for": wait_for, "timeout": 10} if wait_for else None
        answer = await self._until_ok(
            lambda: self.http.get(f"/orders/{order_id}", params=params, headers=ADMIN)
        )
        status: str = answer.json()["status"]
        self.tally.final[order_id] = status
        return status

    async def confirmed(self, order_id: str) -> str:
        """Wait until the saga has confirmed (or ended) the order; its status then."""
        status = await self.status(order_id)
        while status not in ("CONFIRMED", *TERMINAL):
            status = await self.status(order_id, wait_for="CONFIRMED")
        return status

    async def deliver(self, order_id: str) -> str:
        """Take a placed order through the kitchen and the driver; its final status."""
        if await self.confirmed(order_id) != "CONFIRMED":
            return self.tally.final[order_id]
        for area, move, token, reached in STAFF_MOVES:
            path = f"/{area}/orders/{order_id}/{move}"
            while await self.status(order_id) != reached:
                await self._until_ok(lambda p=path, t=token: self.http.post(p, headers=t), 409)
        return self.tally.final[order_id]

    async def order_and_deliver(self, key: str) -> str:
        """Place under ``key`` and deliver; the final status."""
        return await self.deliver(await self.place(key))

    async def _until_ok(
        self, call: Callable[[], Awaitable[httpx.Response]], *accepted: int
    ) -> httpx.Response:
        deadline = time.monotonic() + GIVE_UP_SECONDS
        while True:
            try:
                answer = await call()
                if answer.status_code < 300 or answer.status_code in accepted:
                    return answer
                # 404: the read model has not seen a just-placed order yet; 5xx: the stack hurts.
                assert answer.status_code == 404 or answer.status_code >= 500, answer.text
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the stack never answered again"
            self.tally.retries += 1
            await asyncio.sleep(RETRY_SECONDS)
