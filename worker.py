"""The Temporal worker: the composition root that wires real services into the saga.

Run it with ``python -m worker`` (or ``pizzeria worker``); it serves
``TEMPORAL_ADDRESS`` (default localhost:7233), prepares the database on start
and shuts down cleanly on SIGINT/SIGTERM, finishing the tasks in flight.
"""

import asyncio
import logging
import signal
from datetime import timedelta

from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.order import OrderActivities
from infra.database import make_engine, make_session_factory
from infra.prometheus import serve_metrics
from infra.settings import Settings, get_settings
from infra.telemetry import setup_telemetry
from infra.temporal import connect
from services.container import Services, build_services, prepare_database
from workflows.names import TASK_QUEUE
from workflows.order import OrderWorkflow

log = logging.getLogger("pizzeria.worker")

# The sandbox re-imports every non-passed-through module into each new workflow run.
# Our own workflow and contract modules are pure and deterministic (the replay suite
# guards that), so they are shared: measured, this cut the worker's CPU per order.
WORKFLOW_RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules(
        "workflows", "activities", "services", "domain", "infra"
    )
)


def build_worker(
    client: Client, services: Services, task_queue: str = TASK_QUEUE, concurrency: int = 200
) -> Worker:
    """A worker that runs the order saga and its activities against ``services``; at most
    ``concurrency`` workflow tasks and as many activities at once."""
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[OrderWorkflow],
        workflow_runner=WORKFLOW_RUNNER,
        activities=OrderActivities(services).all(),
        max_concurrent_activities=concurrency,
        max_concurrent_local_activities=concurrency,
        max_concurrent_workflow_tasks=concurrency,
        graceful_shutdown_timeout=timedelta(seconds=10),
    )


async def run_worker(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Serve until ``stop`` is set (or SIGINT/SIGTERM arrives)."""
    stop = stop or _stop_on_signals()
    engine = make_engine(settings.database_url)
    services = build_services(settings, make_session_factory(engine))
    try:
        await prepare_database(engine, services)
        client = await connect(settings)
        worker = build_worker(client, services, concurrency=settings.worker_concurrency)
        log.info("worker polling %s on %s", TASK_QUEUE, settings.temporal_address)
        async with worker:
            await stop.wait()
        log.info("worker stopped")
    finally:
        await engine.dispose()


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


def main(metrics_port: int | None = None) -> None:
    """Entry point for ``python -m worker``; Prometheus text on ``metrics_port`` when given."""
    settings = get_settings()
    setup_telemetry(settings, "pizzeria-worker")
    serve_metrics(metrics_port or settings.metrics_port)
    asyncio.run(run_worker(settings))


if __name__ == "__main__":
    main()
