"""Bring the benchmark's stack up, hand out a ``Session``, and take everything down again."""

import contextlib
import dataclasses
import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from rich.progress import Progress
from temporalio.client import Client

from benchmarks.baseline import BASELINE_TASK_QUEUE
from benchmarks.runner import HTTP_TIMEOUT, Session, WorkerScaler
from benchmarks.stack import STARTUP_SECONDS, BenchStack, never
from cli.readiness import temporal_ready, wait_until, worker_polling
from infra.database import make_engine, make_session_factory
from infra.migrations import upgrade_to_head
from infra.settings import Settings
from services.container import build_services
from services.stock import menu_ingredients

# Enough portions that no run ever sells out (an out-of-stock order would be a refusal).
PORTIONS = 10_000_000


@dataclasses.dataclass(frozen=True)
class SessionExtras:
    """What a bench adds to the stack: faults on or off, py-spy's folder, more processes."""

    faults: bool = True
    profile_dir: Path | None = None
    pids: dict[str, list[int]] = dataclasses.field(default_factory=dict)


async def seed_database(settings: Settings) -> None:
    """Migrate the schema to head and stock the shelf generously before any service starts."""
    engine = make_engine(settings.database_url)
    try:
        await upgrade_to_head(engine)
        services = build_services(settings, make_session_factory(engine))
        await services.inventory.seed(dict.fromkeys(menu_ingredients(), PORTIONS))
    finally:
        await engine.dispose()


async def start_temporal(stack: BenchStack) -> Client:
    """The dev server, and a client once it serves."""
    server = stack.start("server", stack.temporal_argv())
    # The stack's data directory: its children's codec key is generated there.
    address, data_dir = stack.temporal_address, stack.work_dir
    settings = Settings().model_copy(update={"temporal_address": address, "data_dir": data_dir})
    clients: list[Client] = []
    await wait_until(server, temporal_ready(settings, clients), STARTUP_SECONDS, never)
    return clients[0]


def worker_scaler(stack: BenchStack, client: Client) -> WorkerScaler:
    """Start or stop saga worker processes until exactly the wanted number poll."""

    async def scale(workers: int) -> None:
        stack.stop_role("worker", keep=workers)
        while len(stack.children.get("worker", [])) < workers:
            child = stack.start_order_worker()
            await wait_until(child, worker_polling(client, child), STARTUP_SECONDS, never)

    return scale


@contextlib.asynccontextmanager
async def open_session(
    progress: Progress,
    database_url: str | None,
    http_connections: int,
    diagnostics: Path | None = None,
    extras: SessionExtras | None = None,
) -> AsyncIterator[tuple[Session, WorkerScaler]]:
    """A running stack (server, one saga worker, the baseline worker, the API) and clients."""
    extras = extras or SessionExtras()
    with tempfile.TemporaryDirectory(prefix="pizzeria-bench-") as work_dir:
        url = database_url or f"sqlite+aiosqlite:///{work_dir}/pizzeria.db"
        env = dict(os.environ) | {"PIZZERIA_DATABASE_URL": url, "PIZZERIA_MODE": "orchestration"}
        # As in production, the services read no fault table unless a scenario injects faults.
        env["PIZZERIA_FAULTS_ENABLED"] = str(extras.faults).lower()
        with BenchStack(Path(work_dir), env, diagnostics) as stack:
            client = await start_temporal(stack)
            await seed_database(Settings(database_url=url))
            scale = worker_scaler(stack, client)
            await scale(1)
            baseline = stack.start("baseline worker", stack.baseline_worker_argv())
            check = worker_polling(client, baseline, BASELINE_TASK_QUEUE)
            await wait_until(baseline, check, STARTUP_SECONDS, never)
            await stack.start_api()
            limits = httpx.Limits(max_connections=http_connections)
            async with httpx.AsyncClient(
                base_url=stack.api_url, timeout=HTTP_TIMEOUT, limits=limits
            ) as http:
                run_id = uuid.uuid4().hex[:8]
                session = Session(
                    stack, Path(work_dir), http, client, progress, run_id,
                    extras.profile_dir, extras.pids,
                )  # fmt: skip
                yield session, scale
