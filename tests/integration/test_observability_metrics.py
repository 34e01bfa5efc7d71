"""``/metrics`` parses, and each order outcome moves its counter by exactly one.

Also when an activity was retried (a payments outage) and when the worker was
restarted mid-order (the new worker replays the history; nothing counts twice).
"""

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.conftest import OrderDesk
from tests.integration.test_observability_saga import WALK
from tests.integration.traced_stack import TracedStack, traced_saga_stack

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy/grafana/dashboards/pizzeria.json"
METRIC_NAME = re.compile(r"\b(?:pizzeria|temporal)_[a-z0-9_]+")
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TracedStack]:
    async with traced_saga_stack(tmp_path_factory.mktemp("metrics")) as stack:
        yield stack


async def scrape(desk: OrderDesk) -> Samples:
    """Every sample of the API's ``/metrics``, parsed by Prometheus's own text parser."""
    response = await desk.http.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


async def test_a_delivered_order_counts_once_despite_a_retry_and_a_worker_restart(
    stack: TracedStack,
) -> None:
    desk = stack.desk()
    before = await scrape(desk)
    outage = {"mode": "down", "remaining": 1}
    assert (await desk.call("PUT", "/admin/faults/payments", "admin", json=outage)).is_success
    order_id = await desk.confirmed()
    await stack.restart_worker()
    for path, role in WALK:
        response = await desk.post(path.format(id=order_id), role)
        assert response.status_code == 200, response.text
    await desk.handle(order_id).result()
    after = await scrape(desk)

    assert moved(before, after, "pizzeria_orders_placed_total") == 1
    assert moved(before, after, "pizzeria_orders_delivered_total") == 1
    stage = "pizzeria_order_stage_duration_seconds_count"
    assert moved(before, after, stage, stage="placed_to_confirmed") == 1
    assert moved(before, after, stage, stage="confirmed_to_delivered") == 1
    assert any(name.startswith("temporal_") for name, _ in after)  # the SDK's own metrics


async def test_a_rejected_order_counts_once_by_its_reason(stack: TracedStack) -> None:
    desk = stack.desk()
    before = await scrape(desk)
    decline = {"mode": "decline", "remaining": 1}
    assert (await desk.call("PUT", "/admin/faults/payments", "admin", json=decline)).is_success
    order_id = (await desk.place())["order_id"]
    await desk.handle(order_id).result()
    after = await scrape(desk)

    assert moved(before, after, "pizzeria_orders_placed_total") == 1
    assert moved(before, after, "pizzeria_orders_rejected_total", reason="payment_declined") == 1
    undone = (await desk.get(order_id))["compensations"]
    assert undone, "a rejected order is undone"
    for record in undone:
        labels = {"step": record["step"], "outcome": record["outcome"]}
        assert moved(before, after, "pizzeria_compensations_total", **labels) == 1


def ours() -> set[str]:
    """Every sample name our pizzeria_ families can have, fired or not."""
    return {
        family.name + suffix
        for family in REGISTRY.collect()
        if family.name.startswith("pizzeria_")
        for suffix in SUFFIXES[family.type]
    }


async def test_every_metric_the_dashboard_queries_is_one_the_processes_export(
    stack: TracedStack,
) -> None:
    desk = stack.desk()
    await desk.handle(await desk.confirmed()).terminate("the dashboard check is done")
    exported = {name for name, _ in await scrape(desk)} | ours()
    dashboard = json.loads(DASHBOARD.read_text())
    queried = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in METRIC_NAME.findall(target["expr"])
    }

    assert queried, "the dashboard queries nothing"
    assert sorted(queried - exported) == []
