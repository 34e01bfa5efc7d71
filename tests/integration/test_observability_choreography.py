"""One choreography order, watched: API command, outbox, relay and every consumer in one trace."""

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from tests.integration.choreo_fixtures import ChoreoStack, choreography_on_own_server
from tests.integration.conftest import OrderDesk
from tests.integration.traced_stack import traced

CONSUMERS_OF_A_PLACED_ORDER = ("inventory", "payments", "orders", "notifications", "timeline")


@pytest.fixture
async def choreo(tmp_path) -> AsyncIterator[tuple[ChoreoStack, object, object]]:
    with traced("pizzeria-test") as (spans, logs):
        async with choreography_on_own_server(tmp_path) as stack:
            yield stack, spans, logs


async def test_one_choreography_order_is_one_trace_through_outbox_relay_and_consumers(
    choreo,
) -> None:
    stack, spans, logs = choreo
    desk = OrderDesk(stack.http, None)  # type: ignore[arg-type]
    order_id = await desk.confirmed()
    await asyncio.sleep(0.5)  # the notifications and projections of OrderConfirmed settle

    finished = spans.get_finished_spans()
    (request,) = [s for s in finished if s.name == "POST /orders" and s.parent is None]
    trace = [s for s in finished if s.context.trace_id == request.context.trace_id]
    names = {s.name for s in trace}
    assert any(n.startswith("publish pizzeria.events.order.placed") for n in names), sorted(names)
    handled = {name.split(" handle ")[0] for name in names if " handle " in name}
    for consumer in CONSUMERS_OF_A_PLACED_ORDER:
        assert consumer in handled, sorted(names)
    assert any(n.startswith("publish") and "confirmed" in n for n in names), sorted(names)
    ids = {s.context.span_id for s in trace}
    assert [s.name for s in trace if s.parent is not None and s.parent.span_id not in ids] == []

    lines = [json.loads(line) for line in logs.getvalue().splitlines()]
    assert any(line.get("order_id") == order_id and line.get("trace_id") for line in lines)
