"""The saga on the time-skipping test server, with the real activities on a real SQLite file.

Each test gets a fresh database (``services`` from tests/conftest.py), its own
time-skipping server and a worker on a fresh task queue.
"""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from infra.binaries import binary
from services.container import Services
from tests.support import encrypted_converter, place_order, register_search_attributes
from worker import build_worker
from workflows.contracts import OrderInput, Slas
from workflows.names import workflow_id
from workflows.order import OrderWorkflow


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: the saga on PostgreSQL is covered by the integration suite."""
    return f"sqlite+aiosqlite:///{tmp_path / 'pizzeria.db'}"


@pytest.fixture
async def time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server of the test's own (it starts in a fraction of a second).

    Sharing one across tests leaks its time-skipping lock when a test ends with an
    activity in flight, and the next test's skipped timers never fire.
    """
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(binary("temporal-test-server")),
        data_converter=encrypted_converter(),
    )
    try:
        await register_search_attributes(env.client)
        yield env
    finally:
        await env.shutdown()


@dataclass
class Saga:
    """Starts orders on a worker wired to this test's services."""

    env: WorkflowEnvironment
    services: Services
    task_queue: str

    async def start(
        self, quantity: int = 2, slas: Slas | None = None, pizza: str = "margherita"
    ) -> WorkflowHandle[Any, Any]:
        order_id = uuid.uuid4().hex[:12]
        order_input = OrderInput(order=place_order(order_id, quantity, pizza), slas=slas or Slas())
        handle = await self.env.client.start_workflow(
            OrderWorkflow.run,
            order_input,
            id=workflow_id(order_id),
            task_queue=self.task_queue,
            execution_timeout=timedelta(days=2),
        )
        return handle

    async def skip(self, seconds: float = 1) -> None:
        """Let ``seconds`` of workflow time pass (timers and retry back-offs)."""
        await self.env.sleep(seconds)


@pytest.fixture
async def saga(time_skipping: WorkflowEnvironment, services: Services) -> AsyncIterator[Saga]:
    """A running worker with the real activities over this test's database."""
    task_queue = f"test-{uuid.uuid4()}"
    async with build_worker(time_skipping.client, services, task_queue=task_queue):
        yield Saga(time_skipping, services, task_queue)
