"""``python -m benchmarks.worker``: serves the baseline workflow on its own task queue.

Its concurrency settings and its sandbox (our own modules passed through, so no
workflow re-imports them) are those of the saga's worker (``worker.build_worker``),
so the two compare like for like.
"""

import asyncio
import logging
import signal

from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from benchmarks.baseline import BASELINE_TASK_QUEUE, BaselineWorkflow, noop, noop_record
from infra.settings import get_settings
from infra.temporal import connect

CONCURRENCY = 200
WORKFLOW_RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules("benchmarks", "workflows")
)


async def serve() -> None:
    """Poll the baseline task queue until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    client = await connect(get_settings())
    worker = Worker(
        client,
        task_queue=BASELINE_TASK_QUEUE,
        workflows=[BaselineWorkflow],
        workflow_runner=WORKFLOW_RUNNER,
        activities=[noop, noop_record],
        max_concurrent_activities=CONCURRENCY,
        max_concurrent_local_activities=CONCURRENCY,
        max_concurrent_workflow_tasks=CONCURRENCY,
    )
    async with worker:
        await stop.wait()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    asyncio.run(serve())
