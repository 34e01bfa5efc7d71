"""How long a board takes to show a change: from the API's answer to the pushed partial.

A measurement, not a test of speed (nothing here asserts a time): opt in with
``PIZZERIA_MEASURE_BOARD_LATENCY=<orders>`` (two changes per order). For each
change the kitchen board's stream is already open; the time runs from the
staff endpoint's 200 answer (and, separately, from sending it) to the first
push whose column shows the order there. The report goes to stdout and to
``test-artifacts/board-latency.txt``.
"""

import asyncio
import os
import statistics
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.api_harness import live_server
from tests.integration.conftest import auth, order_body

ORDERS = int(os.environ.get("PIZZERIA_MEASURE_BOARD_LATENCY", "0"))
BATCH = 25
REPORT = Path(__file__).resolve().parents[2] / "test-artifacts" / "board-latency.txt"
pytestmark = pytest.mark.skipif(
    not ORDERS, reason="a measurement: set PIZZERIA_MEASURE_BOARD_LATENCY=<orders> to run it"
)


async def pushes(response: httpx.Response) -> AsyncIterator[dict[str, str]]:
    event: dict[str, str] = {}
    async for line in response.aiter_lines():
        if not line:
            if "data" in event:
                yield event
            event = {}
        elif not line.startswith(":"):
            field, _, value = line.partition(":")
            event[field] = event.get(field, "") + value.removeprefix(" ")


async def confirmed_orders(http: httpx.AsyncClient, count: int) -> list[str]:
    async def one() -> str:
        placed = await http.post("/orders", json=order_body(), headers=auth("customer"))
        order_id = str(placed.json()["order_id"])
        await http.get(f"/orders/{order_id}?wait_for=CONFIRMED&timeout=30", headers=auth("admin"))
        return order_id

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def test_measure_board_latency(api_app: FastAPI) -> None:
    from_answer: list[float] = []
    from_send: list[float] = []
    async with (
        live_server(api_app) as url,
        httpx.AsyncClient(base_url=url, timeout=60) as http,
        http.stream("GET", "/web/stream/kitchen", headers=auth("kitchen")) as stream,
    ):
        events = pushes(stream)
        for start in range(0, ORDERS, BATCH):
            for order_id in await confirmed_orders(http, min(BATCH, ORDERS - start)):
                for verb, column in (("start", "cooking"), ("ready", "ready")):
                    sent = time.perf_counter()
                    answer = await http.post(
                        f"/kitchen/orders/{order_id}/{verb}", headers=auth("kitchen")
                    )
                    answered = time.perf_counter()
                    assert answer.status_code == 200, answer.text
                    async for event in events:
                        if event.get("event") == column and order_id in event["data"]:
                            break
                    shown = time.perf_counter()
                    from_answer.append(max(0.0, shown - answered))
                    from_send.append(shown - sent)
    report = "\n".join(
        [
            f"board latency over {len(from_answer)} changes (kitchen board, {ORDERS} orders, "
            f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores)",
            summary("from the API's 200 answer", from_answer),
            summary("from sending the request", from_send),
        ]
    )
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(report + "\n")
    print(report)


def summary(label: str, seconds: list[float]) -> str:
    cuts = statistics.quantiles(seconds, n=100)
    return (
        f"{label}: p50 {statistics.median(seconds) * 1000:.0f} ms, "
        f"p99 {cuts[98] * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms"
    )
