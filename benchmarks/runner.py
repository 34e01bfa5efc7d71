"""Run planned scenarios against a ``BenchStack``: warm up, load, measure, sample history."""

import asyncio
import contextlib
import dataclasses
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Protocol

import httpx
from rich.progress import Progress, TaskID
from temporalio.client import Client

from benchmarks.history import sample_history
from benchmarks.load import ADMIN, OrderTiming, Target
from benchmarks.probe import ResourceProbe
from benchmarks.results import (
    ScenarioResult,
    count_outcomes,
    in_mb,
    latency_ms,
    per_order_ms,
)
from benchmarks.scenarios import RunPlan
from cli.processes import Child

WARM_UP_ORDERS = 5
HTTP_TIMEOUT = 60.0
MAX_ERROR_SAMPLES = 5
WorkerScaler = Callable[[int], Awaitable[None]]
"""Makes exactly that many order worker processes poll."""


class ProcessGroup(Protocol):
    """The processes a run is measured on."""

    def processes(self) -> dict[str, list[Child]]:
        """Every running process by role."""
        ...

    def check_alive(self) -> None:
        """Fail with the log of any process that died."""
        ...


@dataclasses.dataclass(frozen=True)
class Session:
    """What every run of one ``pizzeria bench`` shares."""

    stack: "ProcessGroup"
    work_dir: Path
    http: httpx.AsyncClient
    temporal: Client
    progress: Progress
    run_id: str


async def load(
    session: Session, plan: RunPlan, tag: str, task: TaskID | None
) -> tuple[list[OrderTiming], list[str]]:
    """Place ``plan.orders`` orders with ``plan.concurrency`` in flight; timings and errors."""
    # Idempotency keys and workflow ids must never repeat within a session.
    unique = f"{session.run_id}-{tag}-{uuid.uuid4().hex[:6]}"
    target = Target(session.http, session.temporal, unique)
    timings: list[OrderTiming] = []
    errors: list[str] = []
    indexes = iter(range(plan.orders))

    async def lane() -> None:
        for index in indexes:  # shared by every lane: each order is placed once
            try:
                timings.append(await plan.driver(target, index))
            except Exception as failure:  # one bad order is a data point, not the end
                errors.append(f"{type(failure).__name__}: {failure}"[:300])
            if task is not None:
                session.progress.advance(task)

    await asyncio.gather(*(lane() for _ in range(min(plan.concurrency, plan.orders))))
    return timings, errors


async def warm_up(session: Session, plan: RunPlan) -> None:
    """A few unmeasured orders so that imports, caches and connections are warm."""
    orders = min(WARM_UP_ORDERS, plan.orders)
    warm = dataclasses.replace(plan, orders=orders, concurrency=orders)
    await load(session, warm, f"warm-{plan.name.replace(' ', '-')}", None)


async def measure(session: Session, plan: RunPlan) -> ScenarioResult:
    """One measured run: throughput, latencies, CPU and memory per role, history size."""
    pids = {role: [c.pid for c in cs] for role, cs in session.stack.processes().items()}
    task = session.progress.add_task(plan.name, total=plan.orders)
    async with ResourceProbe(pids) as probe:
        started = time.perf_counter()
        timings, errors = await load(session, plan, plan.name.replace(" ", "-"), task)
        seconds = time.perf_counter() - started
    done = len(timings)
    ids = [t.workflow_id for t in timings] if plan.history else []
    return ScenarioResult(
        name=plan.name,
        mode=plan.mode,
        workers=plan.workers,
        concurrency=plan.concurrency,
        orders=plan.orders,
        errors=len(errors),
        outcomes=count_outcomes([t.status for t in timings]),
        seconds=round(seconds, 3),
        orders_per_second=round(done / seconds, 2) if seconds else 0.0,
        end_to_end_ms=latency_ms([t.end_to_end_seconds for t in timings], (50, 95, 99)),
        place_ms=latency_ms([t.place_seconds for t in timings], (50, 99)),
        cpu_ms_per_order=per_order_ms(probe.cpu_seconds, done),
        peak_rss_mb=in_mb(probe.peak_rss),
        status_polls_per_order=round(sum(t.status_polls for t in timings) / max(done, 1), 1),
        history=await sample_history(session.temporal, ids),
        error_samples=errors[:MAX_ERROR_SAMPLES],
    )


async def run_plans(
    session: Session, plans: Sequence[RunPlan], ensure_workers: WorkerScaler
) -> list[ScenarioResult]:
    """Each plan in turn, with the worker count and payment faults it asks for."""
    results = []
    warmed: set[tuple[str, int]] = set()
    for plan in plans:
        await ensure_workers(plan.workers)
        async with payment_declines(session.http, plan.payment_declines):
            if (plan.mode, plan.workers) not in warmed:
                await warm_up(session, plan)
                warmed.add((plan.mode, plan.workers))
            results.append(await measure(session, plan))
        session.stack.check_alive()
    return results


@contextlib.asynccontextmanager
async def payment_declines(http: httpx.AsyncClient, on: bool) -> AsyncIterator[None]:
    """While open (and ``on``), the payment provider declines every charge."""
    if not on:
        yield
        return
    fault = await http.put("/admin/faults/payments", json={"mode": "decline"}, headers=ADMIN)
    fault.raise_for_status()
    try:
        yield
    finally:
        (await http.delete("/admin/faults/payments", headers=ADMIN)).raise_for_status()
