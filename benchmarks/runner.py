"""Run planned scenarios against a ``BenchStack``: warm up, load, measure, sample history."""

import asyncio
import contextlib
import dataclasses
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Protocol

import httpx
from rich.progress import Progress, TaskID
from temporalio.client import Client

from benchmarks.arrivals import poisson_arrivals
from benchmarks.history import sample_history
from benchmarks.load import ADMIN, OrderTiming, Target
from benchmarks.probe import LOAD_GENERATOR, ResourceProbe
from benchmarks.profiling import Profiler
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
MIN_RATE = 0.1
"""Orders per second an open loop at "half capacity" offers at least."""
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
    profile_dir: Path | None = None
    """With ``--profile``: py-spy's files go here, one per process and run."""
    extra_pids: dict[str, list[int]] = dataclasses.field(default_factory=dict)
    """Processes measured beside the stack's own (an embedded PostgreSQL: ``database``)."""


async def load(
    session: Session, plan: RunPlan, tag: str, task: TaskID | None
) -> tuple[list[OrderTiming], list[str]]:
    """Place ``plan.orders`` orders with ``plan.concurrency`` in flight; timings and errors."""
    # Idempotency keys and workflow ids must never repeat within a session.
    unique = f"{session.run_id}-{tag}-{uuid.uuid4().hex[:6]}"
    target = Target(session.http, session.temporal, unique)
    timings: list[OrderTiming] = []
    errors: list[str] = []

    async def one(index: int) -> None:
        try:
            timings.append(await plan.driver(target, index))
        except Exception as failure:  # one bad order is a data point, not the end
            errors.append(f"{type(failure).__name__}: {failure}"[:300])
        if task is not None:
            session.progress.advance(task)

    if plan.rate is not None:
        await poisson_arrivals(one, plan.orders, plan.rate)
        return timings, errors
    indexes = iter(range(plan.orders))

    async def lane() -> None:
        for index in indexes:  # shared by every lane: each order is placed once
            await one(index)

    await asyncio.gather(*(lane() for _ in range(min(plan.concurrency, plan.orders))))
    return timings, errors


async def warm_up(session: Session, plan: RunPlan) -> None:
    """A few unmeasured orders so that imports, caches and connections are warm."""
    orders = min(WARM_UP_ORDERS, plan.orders)
    warm = dataclasses.replace(plan, orders=orders, concurrency=orders, rate=None)
    await load(session, warm, f"warm-{plan.name.replace(' ', '-')}", None)


async def measure(session: Session, plan: RunPlan) -> ScenarioResult:
    """One measured run: throughput, latencies, CPU and memory per role, history size."""
    pids = {role: [c.pid for c in cs] for role, cs in session.stack.processes().items()}
    pids |= session.extra_pids
    task = session.progress.add_task(plan.name, total=plan.orders)
    profiler = _profiler(session, plan, pids)
    async with ResourceProbe(pids) as probe:
        started = time.perf_counter()
        timings, errors = await load(session, plan, plan.name.replace(" ", "-"), task)
        seconds = time.perf_counter() - started
    profiles = profiler.stop() if profiler is not None else {}
    done = len(timings)
    ids = [t.workflow_id for t in timings] if plan.history else []
    return ScenarioResult(
        name=plan.name,
        mode=plan.mode,
        workers=plan.workers,
        concurrency=plan.concurrency,
        rate=round(plan.rate, 2) if plan.rate is not None else None,
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
        profile=profiles,
    )


def _profiler(session: Session, plan: RunPlan, pids: dict[str, list[int]]) -> Profiler | None:
    if session.profile_dir is None:
        return None
    return Profiler(session.profile_dir, plan.name, pids | {LOAD_GENERATOR: [os.getpid()]})


async def run_plans(
    session: Session, plans: Sequence[RunPlan], ensure_workers: WorkerScaler
) -> list[ScenarioResult]:
    """Each plan in turn, with the worker count and payment faults it asks for."""
    results: list[ScenarioResult] = []
    warmed: set[tuple[str, int]] = set()
    for planned in plans:
        plan = at_half_capacity(planned, results)
        await ensure_workers(plan.workers)
        async with payment_declines(session.http, plan.payment_declines):
            if (plan.mode, plan.workers) not in warmed:
                await warm_up(session, plan)
                warmed.add((plan.mode, plan.workers))
            results.append(await measure(session, plan))
        session.stack.check_alive()
    return results


def at_half_capacity(plan: RunPlan, done: Sequence[ScenarioResult]) -> RunPlan:
    """An open-loop plan asking for half a closed run's capacity gets its rate from that run."""
    if plan.half_of is None:
        return plan
    measured = next((r.orders_per_second for r in done if r.name == plan.half_of), 0.0)
    return dataclasses.replace(plan, rate=max(measured / 2, MIN_RATE), half_of=None)


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
