"""Throughput of a running ``pizzeria up --topology cluster``: orders/s and CPU per order.

``python -m benchmarks.cluster --up-pid PID URL [URL ...]`` places ``--orders``
orders, ``--concurrency`` at a time, spread over the API replicas, and waits
until each is CONFIRMED (the part of an order no person has to act on). CPU is
the user+system time every process under ``pizzeria up`` spent meanwhile.
"""

import argparse
import asyncio
import itertools
import json
import os
import time

import httpx
import psutil  # type: ignore[import-untyped]

from benchmarks.load import ADMIN, ORDER_BODY, SETTLED

POLL_SECONDS = 0.05


async def one_order(http: httpx.AsyncClient, number: int) -> str:
    """Place one order and poll it until it settles; its status."""
    headers = {**ADMIN, "Idempotency-Key": f"cluster-bench-{os.getpid()}-{number}"}
    placed = await http.post("/orders", json=ORDER_BODY, headers=headers)
    placed.raise_for_status()
    order_id = placed.json()["order_id"]
    while True:
        answer = await http.get(f"/orders/{order_id}", headers=ADMIN)
        if answer.status_code == 200 and answer.json()["status"] in SETTLED:
            return str(answer.json()["status"])
        await asyncio.sleep(POLL_SECONDS)


def cpu_seconds(up_pid: int) -> float:
    """CPU time of every process under ``pizzeria up`` (children alive now)."""
    total = 0.0
    for process in psutil.Process(up_pid).children(recursive=True):
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


async def run(urls: list[str], orders: int, concurrency: int, up_pid: int) -> dict[str, object]:
    """Drive the load; the figures."""
    clients = [httpx.AsyncClient(base_url=url, timeout=30) for url in urls]
    turns = itertools.cycle(clients)
    gate = asyncio.Semaphore(concurrency)

    async def limited(number: int) -> str:
        async with gate:
            return await one_order(next(turns), number)

    cpu_before, started = cpu_seconds(up_pid), time.monotonic()
    ends = await asyncio.gather(*(limited(n) for n in range(orders)))
    wall, cpu = time.monotonic() - started, cpu_seconds(up_pid) - cpu_before
    for client in clients:
        await client.aclose()
    return {
        "orders": orders,
        "confirmed": ends.count("CONFIRMED"),
        "orders_per_second": round(orders / wall, 2),
        "cpu_ms_per_order": round(1000 * cpu / orders, 1),
        "load_average": os.getloadavg(),
    }


def main() -> None:
    """Parse the arguments, run, print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--up-pid", type=int, required=True)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    figures = asyncio.run(run(args.urls, args.orders, args.concurrency, args.up_pid))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
