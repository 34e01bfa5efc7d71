"""The saga on a real Temporal dev server, on SQLite and on PostgreSQL: one order end to
end, findable by its search attributes, with a small history."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from domain.order import OrderStatus
from services.container import Services
from tests.support import drive_to_delivered, place_order, status_is, wait_for_state
from worker import build_worker
from workflows.contracts import OrderInput
from workflows.names import workflow_id
from workflows.order import OrderWorkflow

HISTORY_BUDGET = 100  # DESIGN.md section 7: under ~100 events per delivered order


@pytest.fixture
async def task_queue(dev_server: WorkflowEnvironment, services: Services) -> AsyncIterator[str]:
    """A worker of this test's own, over this test's database."""
    queue = f"saga-{uuid.uuid4()}"
    async with build_worker(dev_server.client, services, task_queue=queue):
        yield queue


async def test_delivered_order_is_searchable_by_its_attributes_and_history_stays_small(
    dev_server: WorkflowEnvironment, services: Services, task_queue: str
) -> None:
    client: Client = dev_server.client
    order_id = uuid.uuid4().hex[:12]
    handle = await client.start_workflow(
        OrderWorkflow.run,
        OrderInput(order=place_order(order_id, quantity=3)),
        id=workflow_id(order_id),
        task_queue=task_queue,
    )
    await wait_for_state(handle, status_is(OrderStatus.CONFIRMED))
    await drive_to_delivered(handle, order_id)
    result = await handle.result()
    assert result.status is OrderStatus.DELIVERED

    query = (
        f'WorkflowId = "{workflow_id(order_id)}" AND OrderStatus = "DELIVERED" '
        'AND CustomerId = "cust-42" AND PizzaCount = 3'
    )
    found = await _wait_for_visibility(client, query)
    assert found == [workflow_id(order_id)]

    history = await handle.fetch_history()
    print(f"history events for a delivered order: {len(history.events)}")
    assert len(history.events) < HISTORY_BUDGET
    view = await services.orders.get(order_id)
    assert view is not None and view.status is OrderStatus.DELIVERED


async def _wait_for_visibility(client: Client, query: str) -> list[str]:
    # Visibility is eventually consistent, even on the dev server.
    for _ in range(100):
        found = [execution.id async for execution in client.list_workflows(query)]
        if found:
            return found
        await asyncio.sleep(0.1)
    return []
