"""One saga order, watched: one trace from the HTTP request to every activity, and JSON logs."""

import json
from collections.abc import AsyncIterator

import pytest
from temporalio.api.sdk.v1 import WorkflowMetadata

from tests.integration.traced_stack import TracedStack, traced_saga_stack

SAGA_ACTIVITIES = ("reserve_inventory", "charge_payment", "open_kitchen_ticket", "record_events")
WALK = (
    ("/kitchen/orders/{id}/start", "kitchen"),
    ("/kitchen/orders/{id}/ready", "kitchen"),
    ("/delivery/orders/{id}/pickup", "driver"),
    ("/delivery/orders/{id}/delivered", "driver"),
)


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TracedStack]:
    async with traced_saga_stack(tmp_path_factory.mktemp("traced")) as stack:
        yield stack


@pytest.fixture(scope="module")
async def delivered(stack: TracedStack) -> str:
    """One order placed over HTTP and walked to DELIVERED; its workflow has finished."""
    desk = stack.desk()
    order_id = await desk.confirmed()
    for path, role in WALK:
        response = await desk.post(path.format(id=order_id), role)
        assert response.status_code == 200, response.text
    await desk.handle(order_id).result()
    return order_id


async def test_one_saga_order_is_one_trace_from_the_request_to_every_activity(
    stack: TracedStack, delivered: str
) -> None:
    (request,) = [s for s in stack.named("POST /orders") if s.parent is None]
    spans = stack.trace_of(request)
    names = {span.name for span in spans}

    assert "StartWorkflow:OrderWorkflow" in names
    assert "RunWorkflow:OrderWorkflow" in names
    for activity in SAGA_ACTIVITIES:
        assert f"RunActivity:{activity}" in names, sorted(names)
    assert any(span.attributes and "db.statement" in span.attributes for span in spans)
    ids = {span.context.span_id for span in spans}
    orphans = [s.name for s in spans if s.parent is not None and s.parent.span_id not in ids]
    assert orphans == []


async def test_log_lines_of_an_order_are_json_with_its_ids_and_no_personal_data(
    stack: TracedStack, delivered: str
) -> None:
    lines = [json.loads(line) for line in stack.logs.getvalue().splitlines()]

    of_order = [line for line in lines if line.get("order_id") == delivered]
    assert of_order, "no log line names the order"
    assert all(line.get("trace_id") for line in of_order)
    text = stack.logs.getvalue()
    for personal in ("+39 055 123 4567", "luigi@example.com", "Via Roma"):
        assert personal not in text


async def test_the_temporal_ui_shows_the_order_summary_and_where_it_waits(
    stack: TracedStack,
) -> None:
    desk = stack.desk()
    order_id = await desk.confirmed()
    handle = desk.handle(order_id)

    summary = await (await handle.describe()).static_summary()
    metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
    events = [e async for e in handle.fetch_history_events()]

    assert summary == "2 x large margherita · €" + summary.split("€")[1]
    assert "Luigi" not in summary and "Via Roma" not in summary
    assert "waiting for staff to mark it COOKING" in metadata.current_details
    assert "SLA" in metadata.current_details
    scheduled = [e for e in events if e.HasField("activity_task_scheduled_event_attributes")]
    assert scheduled and all(e.user_metadata.HasField("summary") for e in scheduled)
