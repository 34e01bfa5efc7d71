"""``pizzeria up --topology cluster``: the clustered topology (``cli.cluster``) started in order.

PostgreSQL first (initdb once, then the server as a child), then the broker or
Temporal, then each app piece twice, each replica once the one before serves.
The children are ``pizzeria up``'s like any other: a crashed one (a SIGKILLed
NATS node, worker, API) is restarted in place, and Ctrl-C stops all of them.
"""

import asyncio
import sys
from collections.abc import Callable

import asyncpg  # type: ignore[import-untyped]
import nats
from rich.console import Console
from rich.table import Table
from temporalio.client import Client

from cli.choreo_up import consumers_bound, nats_answers, quiet
from cli.cluster import DATABASE, ROUTE_OFFSET, ClusterPlan
from cli.processes import Child, StartupFailed, ensure_free, serve_children
from cli.readiness import Check, api_ready, temporal_ready, wait_until, worker_polling
from cli.signals import StopRequest
from cli.token import dev_token_lines
from infra.binaries import BinaryNotFound, binary
from infra.embedded_postgres import DATABASE_HINT
from infra.settings import Settings

STARTUP_TIMEOUT_SECONDS = 120.0
console = Console()


class Starter:
    """Starts children one by one into ``children``, each awaited until ready."""

    def __init__(self, plan: ClusterPlan, children: list[Child], stopped: Callable[[], bool]):
        self.plan, self.children, self.stopped = plan, children, stopped
        self.env = plan.environment()

    def launch(self, name: str, argv: list[str]) -> Child:
        """Start ``argv`` as ``name``, its output in ``<data dir>/logs/<name>.log``."""
        log = self.plan.base.data_dir / "logs" / f"{name.lower()}.log"
        child = Child.start(name, argv, self.env, log)
        self.children.append(child)
        return child

    async def start(self, name: str, argv: list[str], ready: Check) -> Child:
        """Launch ``argv`` as ``name`` and wait until ``ready`` passes."""
        child = self.launch(name, argv)
        await self.wait(child, ready)
        return child

    async def wait(self, child: Child, ready: Check) -> None:
        """Wait until ``ready`` passes; fail if ``child`` exits or it takes too long."""
        await wait_until(child, ready, STARTUP_TIMEOUT_SECONDS, self.stopped)


async def start_cluster(
    plan: ClusterPlan, settings: Settings, children: list[Child], stopping: StopRequest
) -> None:
    """Start PostgreSQL, then the mode's pieces, each app piece ``plan.replicas`` times."""
    starter = Starter(plan, children, stopping.is_set)
    await start_postgres(starter)
    if plan.mode == "choreography":
        await start_choreography_replicas(starter)
    else:
        await start_orchestration_replicas(starter, settings)
    for replica, url in enumerate(plan.api_urls()):
        await starter.start(f"API-{replica + 1}", plan.api_argv(replica), api_ready(url))


async def start_postgres(starter: Starter) -> None:
    """initdb once under the data directory, the server as a child, the database created."""
    postgres = starter.plan.postgres
    try:
        await asyncio.to_thread(postgres.initdb)
    except Exception as failure:
        raise StartupFailed(f"initdb failed: {failure}. {DATABASE_HINT}") from None
    await starter.start("PostgreSQL", postgres.server_argv(), postgres_ready(starter.plan))
    await asyncio.to_thread(postgres.ensure_database, DATABASE)


async def start_choreography_replicas(starter: Starter) -> None:
    """Three NATS nodes (ready once the cluster has a JetStream leader), relays, consumers."""
    plan = starter.plan
    for node, url in enumerate(plan.nats_urls()):
        # Node 1 cannot have a JetStream leader alone: wait for that once all three run.
        check = nats_answers(url, stream=False)
        await starter.start(f"NATS-{node + 1}", plan.nats_argv(node), check)
    await starter.wait(starter.children[-1], jetstream_ready(plan))
    first = plan.nats_urls()
    for n in range(plan.replicas):
        await starter.start(f"relay-{n + 1}", relay_argv(), nats_answers(first, stream=True))
    for n in range(plan.replicas):
        await starter.start(f"consumers-{n + 1}", consumers_argv(), consumers_bound(first))


async def start_orchestration_replicas(starter: Starter, settings: Settings) -> None:
    """The Temporal dev server (one: see the module docstring), then the workers."""
    plan = starter.plan.base
    settings = settings.model_copy(
        update={"temporal_address": plan.temporal_address, "data_dir": plan.data_dir}
    )
    clients: list[Client] = []
    # The cluster's argv: the dev server's own ports clear of every replica's.
    argv = starter.plan.temporal_argv()
    await starter.start("Temporal", argv, temporal_ready(settings, clients))
    for n in range(starter.plan.replicas):
        worker = starter.launch(f"worker-{n + 1}", plan.worker_argv())
        await starter.wait(worker, worker_polling(clients[0], worker))


def relay_argv() -> list[str]:
    """One outbox relay (only the lease holder publishes; see choreography/relay_lease.py)."""
    return [sys.executable, "-m", "cli", "relay"]


def consumers_argv() -> list[str]:
    """One consumers process; replicas pull from the same durable consumers."""
    return [sys.executable, "-m", "cli", "consumers"]


def postgres_ready(plan: ClusterPlan) -> Check:
    """The server accepts a connection."""

    async def check() -> bool:
        try:
            connection = await asyncpg.connect(
                host=plan.base.host, port=plan.postgres_port, user="postgres", timeout=1
            )
        except (OSError, asyncpg.PostgresError, TimeoutError):
            return False
        await connection.close()
        return True

    return check


def jetstream_ready(plan: ClusterPlan) -> Check:
    """The cluster has elected a JetStream meta leader: streams can be created."""

    async def check() -> bool:
        try:
            client = await nats.connect(
                plan.nats_urls(), connect_timeout=1, max_reconnect_attempts=0, error_cb=quiet
            )
        except Exception:  # no node answers yet
            return False
        try:
            await client.jetstream().account_info()
            return True
        except Exception:  # no meta leader yet
            return False
        finally:
            await client.close()

    return check


def preflight(plan: ClusterPlan) -> None:
    """The binaries are there and every port is free."""
    needed = ["nats-server"] if plan.mode == "choreography" else ["temporal"]
    try:
        for name in needed:
            binary(name)
    except BinaryNotFound as missing:
        raise StartupFailed(f"{missing} (run `make install`)") from None
    host = plan.base.host
    ensure_free(plan.postgres_port, host, "PostgreSQL", "--postgres-port")
    for port in plan.api_ports():
        ensure_free(port, host, "HTTP API replica", "--api-port")
    if plan.mode == "choreography":
        for port in plan.nats_ports():
            ensure_free(port, host, "NATS node", "--nats-port")
            ensure_free(port + ROUTE_OFFSET, host, "NATS route", "--nats-port")
    else:
        ensure_free(plan.base.temporal_port, host, "Temporal", "--temporal-port")
        ensure_free(plan.base.ui_port, host, "Temporal web UI", "--ui-port")


def run_cluster_stack(plan: ClusterPlan, settings: Settings) -> int:
    """Start the clustered stack, serve until Ctrl-C or SIGTERM, stop all of it; the exit code."""

    async def start_all(children: list[Child], stopping: StopRequest) -> None:
        preflight(plan)
        await start_cluster(plan, settings, children, stopping)

    def ready(seconds: float) -> None:
        announce(plan, settings, seconds)

    return serve_children(start_all, ready, f"the clustered stack ({plan.mode})", console)


def announce(plan: ClusterPlan, settings: Settings, seconds: float) -> None:
    """Where everything is, and the tokens to use."""
    title = f"Mario's Pizzeria (cluster, {plan.mode}) is up (ready in {seconds:.1f}s)"
    table = Table(title=title, show_header=False)
    for replica, url in enumerate(plan.api_urls()):
        table.add_row(f"API replica {replica + 1}", url)
    table.add_row("PostgreSQL", plan.database_url)
    if plan.mode == "choreography":
        table.add_row("NATS JetStream (3 nodes)", ", ".join(plan.nats_urls()))
    else:
        table.add_row("Temporal web UI", plan.base.ui_url)
        table.add_row("Temporal gRPC (one dev server)", plan.base.temporal_address)
    table.add_row("logs", str(plan.base.data_dir / "logs"))
    console.print(table)
    for line in dev_token_lines(settings, plan.base.data_dir):
        console.print(line, soft_wrap=True)
    console.print("Ctrl-C stops everything.")
