"""Waiting until each piece serves: Temporal answers, the worker polls, the API is ready."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta

import httpx
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from cli.processes import Child, StartupFailed
from infra.settings import Settings
from infra.temporal import connect
from workflows.names import TASK_QUEUE

POLL_SECONDS = 0.1
Check = Callable[[], Awaitable[bool]]


async def wait_until(
    child: Child, check: Check, patience: float, stopping: Callable[[], bool]
) -> None:
    """Poll ``check`` until it passes; fail early if the child exits, late if it never passes."""
    deadline = time.monotonic() + patience
    while not await check():
        if stopping():
            raise StartupFailed("interrupted while starting")
        if not child.alive():
            raise StartupFailed(
                f"{child.name} exited during startup; its log says:\n{child.tail()}"
            )
        if time.monotonic() > deadline:
            raise StartupFailed(f"{child.name} not ready after {patience:g}s; see {child.log}")
        await asyncio.sleep(POLL_SECONDS)


def temporal_ready(settings: Settings, into: list[Client]) -> Check:
    """Temporal accepts a client connection and reports serving; keeps the client in ``into``."""

    async def check() -> bool:
        try:
            client = await connect(settings)
            if not await client.service_client.check_health(timeout=timedelta(seconds=1)):
                return False
        except Exception:  # not up yet: connection refused, namespace not ready, ...
            return False
        into.append(client)
        return True

    return check


def worker_polling(client: Client, worker: Child, task_queue: str = TASK_QUEUE) -> Check:
    """The worker process (identity ``<pid>@host``) polls ``task_queue`` for workflow tasks."""
    request = DescribeTaskQueueRequest(
        namespace=client.namespace,
        task_queue=TaskQueue(name=task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )

    async def check() -> bool:
        answer = await client.workflow_service.describe_task_queue(request)
        return any(p.identity.startswith(f"{worker.pid}@") for p in answer.pollers)

    return check


def api_ready(url: str) -> Check:
    """GET /readyz answers 200."""

    async def check() -> bool:
        try:
            async with httpx.AsyncClient(timeout=2.0) as http:
                return (await http.get(f"{url}/readyz")).status_code == 200
        except httpx.HTTPError:
            return False

    return check
