"""One chaos drill: orders flow in while trouble strikes; then every order and ledger is checked.

``Drill.run`` places ``orders`` orders at a steady pace, each driven to its end
by its own task, and meanwhile runs ``trouble`` (kills, outages). An order is
lost when it ends anywhere but ``expected``. ``Figures``
says what happened: orders, kills, lost, duplicated, recovery time per kill.
"""

import asyncio
import json
import signal
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field

from tests.chaos.shopper import ADMIN, Shopper
from tests.chaos.stack import UpStack

PACE_SECONDS = 0.4


@dataclass
class Figures:
    """The drill's numbers, printed as one JSON line (``pytest -s`` shows them)."""

    scenario: str
    orders: int = 0
    kills: int = 0
    lost: int = 0
    duplicated: int = 0
    retried_calls: int = 0
    ends: dict[str, int] = field(default_factory=dict)
    recovery_seconds: dict[str, float] = field(default_factory=dict)

    def show(self) -> None:
        """Print the figures."""
        print(f"\nCHAOS {json.dumps(asdict(self))}")


class Drill:
    """Orders against a running stack, with ``trouble`` running alongside."""

    def __init__(
        self,
        stack: UpStack,
        scenario: str,
        orders: int,
        expected: tuple[str, ...] = ("DELIVERED",),
    ) -> None:
        self.stack, self.orders, self.expected = stack, orders, expected
        self.shopper = Shopper(stack.url)
        self.figures = Figures(scenario)
        self.drivers: list[asyncio.Task[str]] = []
        self.prefix = "".join(c if c.isalnum() else "-" for c in scenario)

    async def run(self, trouble: Callable[["Drill"], Awaitable[None]]) -> Figures:
        """Place the orders, suffer ``trouble``, wait for every order's end; the figures."""
        try:
            feeding = asyncio.create_task(self._feed())
            await trouble(self)
            await feeding
            ends = await asyncio.gather(*self.drivers)
            self.figures.ends = dict(Counter(ends))
            self.figures.lost = sum(1 for end in ends if end not in self.expected)
            self.figures.orders = len(self.shopper.tally.placed)
            self.figures.retried_calls = self.shopper.tally.retries
            self.stack.placed |= set(self.shopper.tally.placed.values())
            self.figures.duplicated = await self._extra_orders()
        finally:
            await self.shopper.close()
        return self.figures

    async def kill(self, name: str, sig: signal.Signals = signal.SIGKILL) -> None:
        """Kill the child ``name``; measure until the stack confirms a new order again."""
        started = time.monotonic()
        await asyncio.to_thread(self.stack.kill, name, sig)
        self.figures.kills += 1
        probe = await self.shopper.place(f"{self.prefix}-probe-{self.figures.kills}")
        await self.shopper.confirmed(probe)
        self.figures.recovery_seconds[name] = round(time.monotonic() - started, 1)
        self.drivers.append(asyncio.create_task(self.shopper.deliver(probe)))

    async def _feed(self) -> None:
        for number in range(self.orders):
            self.drivers.append(
                asyncio.create_task(self.shopper.order_and_deliver(f"{self.prefix}-{number}"))
            )
            await asyncio.sleep(PACE_SECONDS)

    async def _extra_orders(self) -> int:
        """Orders the read model holds beyond the ones placed on this stack (a retry that made
        a second order)."""
        answer = await self.shopper.http.get("/orders", params={"limit": 500}, headers=ADMIN)
        listed = {order["order_id"] for order in answer.json()["orders"]}
        return len(listed - self.stack.placed)
