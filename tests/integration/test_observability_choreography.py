"""One choreography order, watched: API command, outbox, relay and every consumer in one trace."""

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.choreo_fixtures import ChoreoStack, choreography_on_own_server
from tests.integration.conftest import OrderDesk
from tests.integration.traced_stack import traced

CONSUMERS_OF_A_PLACED_ORDER = {"inventory", "payments", "orders", "notifications", "timeline"}


def trace_of_order(spans: InMemorySpanExporter) -> list[ReadableSpan]:
    """The finished spans of the one trace that began with ``POST /orders``."""
    finished = spans.get_finished_spans()
    roots = [s for s in finished if s.name == "POST /orders" and s.parent is None]
    assert len(roots) == 1
    return [s for s in finished if s.context.trace_id == roots[0].context.trace_id]


def handled_by(trace: list[ReadableSpan]) -> set[str]:
    """The consumers with a handling span in ``trace``."""
    return {s.name.split(" handle ")[0] for s in trace if " handle " in s.name}


def orphans(trace: list[ReadableSpan]) -> list[str]:
    """Spans whose parent is not (yet) among the finished spans of ``trace``."""
    ids = {s.context.span_id for s in trace}
    return [s.name for s in trace if s.parent is not None and s.parent.span_id not in ids]


async def whole_trace(spans: InMemorySpanExporter) -> list[ReadableSpan]:
    """The order's trace once every consumer of a placed order has handled its part and
    every span's parent has finished; times out if a parent link is broken."""
    async with asyncio.timeout(30):  # the consumers react in their own time
        while True:
            trace = trace_of_order(spans)
            if handled_by(trace) >= CONSUMERS_OF_A_PLACED_ORDER and not orphans(trace):
                return trace
            await asyncio.sleep(0.05)


@pytest.fixture
async def choreo(tmp_path) -> AsyncIterator[tuple[ChoreoStack, object, object]]:
    with traced("pizzeria-test") as (spans, logs):
        async with choreography_on_own_server(tmp_path) as stack:
            yield stack, spans, logs


async def test_one_choreography_order_is_one_trace_through_outbox_relay_and_consumers(
    choreo,
) -> None:
    stack, spans, logs = choreo
    desk = OrderDesk(stack.http, None, stack.settings)  # type: ignore[arg-type]
    order_id = await desk.confirmed()

    trace = await whole_trace(spans)
    names = {s.name for s in trace}
    assert any(n.startswith("publish pizzeria.events.order.placed") for n in names), sorted(names)
    assert any(n.startswith("publish") and "confirmed" in n for n in names), sorted(names)
    assert orphans(trace) == []

    lines = [json.loads(line) for line in logs.getvalue().splitlines()]
    assert any(line.get("order_id") == order_id and line.get("trace_id") for line in lines)


async def recorded(desk: OrderDesk, order_id: str, event_type: str) -> None:
    """Wait until the order's timeline (the read model, where facts are counted) has it."""
    async with asyncio.timeout(30):
        while True:
            if event_type in [e["type"] for e in (await desk.get(order_id))["timeline"]]:
                return
            await asyncio.sleep(0.05)


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_a_choreography_order_counts_once_and_the_relay_reports_its_lag(choreo) -> None:
    stack, _spans, _logs = choreo
    desk = OrderDesk(stack.http, None, stack.settings)  # type: ignore[arg-type]
    placed = value("pizzeria_orders_placed_total")
    timed = value("pizzeria_order_stage_duration_seconds_count", stage="placed_to_confirmed")
    published = value("pizzeria_outbox_published_total")

    order_id = await desk.confirmed()
    await recorded(desk, order_id, "OrderConfirmed")
    await asyncio.sleep(0.5)  # redeliveries, if any, would have landed by now
    response = await stack.http.get("/metrics")

    assert value("pizzeria_orders_placed_total") - placed == 1
    stage = "pizzeria_order_stage_duration_seconds_count"
    assert value(stage, stage="placed_to_confirmed") - timed == 1
    assert value("pizzeria_outbox_published_total") - published >= 4
    assert value("pizzeria_outbox_lag_seconds") >= 0
    families = {f.name for f in text_string_to_metric_families(response.text)}
    assert {"pizzeria_outbox_lag_seconds", "pizzeria_dead_letters"} <= families
