"""Business metrics count facts, not calls: the read model counts what it newly records."""

import urllib.request
from datetime import timedelta
from uuid import uuid4

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from domain.events import OrderRejected
from domain.order import OrderStatus
from infra.metrics import rejection_reason
from infra.prometheus import serve_metrics
from services.container import Services
from services.messages import CompensationRecord, RecordEvents
from tests.integration.choreo_fixtures import free_port
from tests.unit.test_orders_service import START, confirmed, placed, snapshot


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_an_order_recorded_twice_is_placed_and_confirmed_once(services: Services) -> None:
    placed_before = value("pizzeria_orders_placed_total")
    stage = {"stage": "placed_to_confirmed"}
    timed_before = value("pizzeria_order_stage_duration_seconds_count", **stage)
    seconds_before = value("pizzeria_order_stage_duration_seconds_sum", **stage)
    order_id = f"o-{uuid4()}"
    first = RecordEvents(snapshot=snapshot(order_id), events=[placed(order_id)])
    then = RecordEvents(
        snapshot=snapshot(order_id, OrderStatus.CONFIRMED),
        events=[confirmed(order_id, START + timedelta(seconds=90))],
    )

    for request in (first, first, then, then):  # a retried activity, a redelivered message
        await services.orders.record(request)

    assert value("pizzeria_orders_placed_total") - placed_before == 1
    assert value("pizzeria_order_stage_duration_seconds_count", **stage) - timed_before == 1
    seconds = value("pizzeria_order_stage_duration_seconds_sum", **stage) - seconds_before
    assert seconds == pytest.approx(90)


async def test_each_compensation_step_counts_once_by_outcome(services: Services) -> None:
    labels = {"step": "refund_payment", "outcome": "failed"}
    before = value("pizzeria_compensations_total", **labels)
    order_id = f"o-{uuid4()}"
    undone = snapshot(order_id, OrderStatus.REJECTED).model_copy(
        update={"compensations": [CompensationRecord(step="refund_payment", outcome="failed")]}
    )
    rejected = OrderRejected(
        event_id=uuid4(), order_id=order_id, occurred_at=START, reason="card declined"
    )

    await services.orders.record(RecordEvents(snapshot=undone, events=[rejected]))
    await services.orders.record(RecordEvents(snapshot=undone, events=[]))

    assert value("pizzeria_compensations_total", **labels) - before == 1


async def test_a_step_that_failed_then_went_through_counts_each_outcome_once(
    services: Services,
) -> None:
    failed = {"step": "refund_payment", "outcome": "failed"}
    done = {"step": "refund_payment", "outcome": "done"}
    before = (
        value("pizzeria_compensations_total", **failed),
        value("pizzeria_compensations_total", **done),
    )
    attention_before = value("pizzeria_orders_needing_attention_total")
    order_id = f"o-{uuid4()}"
    stuck = snapshot(order_id, OrderStatus.REJECTED).model_copy(
        update={
            "compensations": [CompensationRecord(step="refund_payment", outcome="failed")],
            "needs_attention": True,
        }
    )
    settled = stuck.model_copy(
        update={
            "compensations": [CompensationRecord(step="refund_payment", outcome="done")],
            "needs_attention": False,
        }
    )

    for state in (stuck, stuck, settled, settled):
        await services.orders.record(RecordEvents(snapshot=state, events=[]))

    after = (
        value("pizzeria_compensations_total", **failed),
        value("pizzeria_compensations_total", **done),
    )
    assert (after[0] - before[0], after[1] - before[1]) == (1, 1)
    assert value("pizzeria_orders_needing_attention_total") - attention_before == 1


def test_rejection_reasons_become_a_few_labels() -> None:
    assert rejection_reason("out of stock: mozzarella") == "out_of_stock"
    assert rejection_reason("PaymentDeclined: card declined") == "payment_declined"
    assert rejection_reason("the moon is full") == "other"


def test_the_metrics_port_serves_prometheus_text() -> None:
    port = free_port()
    server = serve_metrics(port, host="127.0.0.1")
    assert server is not None
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
            text = answer.read().decode()
    finally:
        server.shutdown()
        server.server_close()
    names = {family.name for family in text_string_to_metric_families(text)}

    assert {"pizzeria_orders_placed", "pizzeria_dead_letters"} <= names
