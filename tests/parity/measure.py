"""Throughput and end-to-end latency of both modes, on this machine, in one run.

    .venv/bin/python -m tests.parity.measure --orders 200 --concurrency 20

Each mode runs as ``pizzeria up`` runs it (real child processes on free ports,
a fresh data directory), one after the other. Each order is placed with
POST /orders; a watcher polls the read model (one SQL query every 10 ms) and
notes when each order is first CONFIRMED (reserve, charge, ticket, confirm
ran); then the kitchen and driver steps go through the API at once and the
order is DELIVERED. Latency is per order from the POST; throughput is
delivered orders per second of wall time.
"""

import argparse
import asyncio
import json
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import psutil
from sqlalchemy import select
from sqlmodel import col

from cli.choreo_up import ChoreographyPlan, start_choreography
from cli.processes import Child
from cli.stack import StackPlan
from cli.up import start as start_orchestration
from infra.database import make_engine
from infra.ports import free_port
from infra.settings import Settings
from services.orders import OrderViewRow
from tests.integration.conftest import auth, order_body

STAFF = (
    ("/kitchen/orders/{}/start", "kitchen"),
    ("/kitchen/orders/{}/ready", "kitchen"),
    ("/delivery/orders/{}/pickup", "driver"),
    ("/delivery/orders/{}/delivered", "driver"),
)
PAST_PLACED = {"CONFIRMED", "COOKING", "READY", "OUT_FOR_DELIVERY", "DELIVERED"}


@asynccontextmanager
async def stack(mode: str, data_dir: Path) -> AsyncIterator[tuple[StackPlan, list[Child]]]:
    """The mode's stack as ``pizzeria up`` starts it; stopped on exit."""
    plan = StackPlan(data_dir, temporal_port=free_port(), ui_port=free_port(), api_port=free_port())
    children: list[Child] = []
    try:
        if mode == "orchestration":
            await start_orchestration(plan, Settings(_env_file=None), children, threading.Event())
        else:
            await start_choreography(ChoreographyPlan(plan, free_port()), children)
        yield plan, children
    finally:
        for child in reversed(children):
            child.stop()


class Watcher:
    """Polls the read model and resolves each order's future when it is past PLACED."""

    def __init__(self, database_url: str) -> None:
        self._engine = make_engine(database_url)
        self._waiting: dict[str, asyncio.Future[float]] = {}

    def expect(self, order_id: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting[order_id] = future
        return future

    async def run(self) -> None:
        while True:
            if self._waiting:
                query = select(OrderViewRow.order_id, OrderViewRow.status).where(  # type: ignore[call-overload]
                    col(OrderViewRow.order_id).in_(list(self._waiting))
                )
                async with self._engine.connect() as connection:
                    rows = (await connection.execute(query)).all()
                now = time.perf_counter()
                for order_id, status in rows:
                    if status in PAST_PLACED and order_id in self._waiting:
                        self._waiting.pop(order_id).set_result(now)
            await asyncio.sleep(0.01)

    async def close(self) -> None:
        await self._engine.dispose()


async def one_order(http: httpx.AsyncClient, watcher: Watcher) -> tuple[float, float]:
    started = time.perf_counter()
    placed = await http.post("/orders", json=order_body(), headers=auth("customer"))
    placed.raise_for_status()
    order_id = placed.json()["order_id"]
    confirmed = await asyncio.wait_for(watcher.expect(order_id), 120)
    for path, role in STAFF:
        (await http.post(path.format(order_id), headers=auth(role))).raise_for_status()
    return confirmed - started, time.perf_counter() - started


async def load(
    run: Callable[[], Awaitable[tuple[float, float]]], orders: int, concurrency: int
) -> list[tuple[float, float]]:
    results: list[tuple[float, float]] = []
    remaining = iter(range(orders))

    async def lane() -> None:
        for _ in remaining:
            results.append(await run())

    await asyncio.gather(*(lane() for _ in range(concurrency)))
    return results


def cpu_seconds(children: list[Child]) -> dict[str, float]:
    """CPU time (user + system) each child and its own children have used so far."""
    spent = {}
    for child in children:
        process = psutil.Process(child.pid)
        family = [process, *process.children(recursive=True)]
        spent[child.name] = sum(sum(p.cpu_times()[:2]) for p in family)
    return spent


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure(mode: str, orders: int, concurrency: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"measure-{mode}-") as tmp:
        async with stack(mode, Path(tmp)) as (plan, children):
            watcher = Watcher(plan.environment()["PIZZERIA_DATABASE_URL"])
            watching = asyncio.create_task(watcher.run())
            async with httpx.AsyncClient(base_url=plan.api_url, timeout=60) as http:
                await load(lambda: one_order(http, watcher), 5, 5)  # warm up
                cpu_before = cpu_seconds(children)
                started = time.perf_counter()
                results = await load(lambda: one_order(http, watcher), orders, concurrency)
                wall = time.perf_counter() - started
                cpu = {
                    name: round((spent - cpu_before[name]) * 1000 / orders, 1)
                    for name, spent in cpu_seconds(children).items()
                }
            watching.cancel()
            await watcher.close()
    confirm = [r[0] * 1000 for r in results]
    deliver = [r[1] * 1000 for r in results]
    return {
        "mode": mode,
        "orders": orders,
        "concurrency": concurrency,
        "orders_per_second": round(orders / wall, 1),
        "confirmed_ms": {
            "p50": round(percentile(confirm, 0.5)),
            "p99": round(percentile(confirm, 0.99)),
        },
        "cpu_ms_per_order": cpu,
        "delivered_ms": {
            "p50": round(percentile(deliver, 0.5)),
            "p99": round(percentile(deliver, 0.99)),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--modes", nargs="+", default=["orchestration", "choreography"])
    args = parser.parse_args()
    for mode in args.modes:
        print(json.dumps(asyncio.run(measure(mode, args.orders, args.concurrency))), flush=True)


if __name__ == "__main__":
    main()
