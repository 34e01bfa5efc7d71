"""``pizzeria up``: Temporal dev server, worker and API as child processes, stopped together."""

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from temporalio.client import Client

from cli.choreo_up import ChoreographyPlan, Mode, run_choreography_stack
from cli.cluster import ClusterPlan, Topology
from cli.cluster_up import run_cluster_stack
from cli.processes import Child, StartupFailed, ensure_free, serve_children
from cli.readiness import api_ready, temporal_ready, wait_until, worker_polling
from cli.signals import Stopping, StopRequest
from cli.stack import StackPlan
from cli.token import dev_token_lines
from infra.binaries import BinaryNotFound, binary
from infra.settings import Settings

STARTUP_TIMEOUT_SECONDS = 90.0
console = Console()


def up(
    temporal_port: Annotated[int, typer.Option(help="Temporal frontend (gRPC) port")] = 7233,
    ui_port: Annotated[int, typer.Option(help="Temporal web UI port")] = 8233,
    api_port: Annotated[
        int | None, typer.Option(help="HTTP API port [default: PIZZERIA_API_PORT or 8000]")
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option(help="State directory [default: PIZZERIA_DATA_DIR or .data]")
    ] = None,
    mode: Annotated[
        Mode | None,
        typer.Option(help="Temporal saga or NATS choreography [default: PIZZERIA_MODE]"),
    ] = None,
    nats_port: Annotated[
        int, typer.Option(help="NATS port (choreography; a cluster uses it and the next two)")
    ] = 4222,
    topology: Annotated[
        Topology,
        typer.Option(
            help="single: one of each on SQLite; cluster: PostgreSQL, 3 NATS nodes, 2 of each"
        ),
    ] = Topology.single,
    postgres_port: Annotated[int, typer.Option(help="PostgreSQL port (cluster topology)")] = 5433,
) -> None:
    """Start the whole stack on this machine; Ctrl-C (or SIGTERM) stops all of it."""
    settings = Settings()
    plan = StackPlan(
        (data_dir or settings.data_dir).resolve(),
        # A database the user configured wins over the one in the data directory.
        database_url=settings.database_url if "database_url" in settings.model_fields_set else None,
        temporal_port=temporal_port,
        ui_port=ui_port,
        api_port=api_port or settings.api_port,
    )
    chosen = Mode(mode or settings.mode)
    if topology == Topology.cluster:
        # Three copies on three nodes, unless PIZZERIA_STREAM_REPLICAS says otherwise (benchmarks).
        copies = settings.stream_replicas if "stream_replicas" in settings.model_fields_set else 3
        cluster = ClusterPlan(plan, chosen.value, nats_port, postgres_port, stream_replicas=copies)
        raise typer.Exit(run_cluster_stack(cluster, settings))
    if chosen == Mode.choreography:
        raise typer.Exit(run_choreography_stack(ChoreographyPlan(plan, nats_port), settings))
    raise typer.Exit(run_stack(plan, settings))


def run_stack(plan: StackPlan, settings: Settings) -> int:
    """Start everything, serve until told to stop, stop everything; the exit code."""

    async def start_all(children: list[Child], stopping: StopRequest) -> None:
        preflight(plan)
        await start(plan, settings, children, stopping)

    def ready(seconds: float) -> None:
        announce(plan, settings, seconds)

    return serve_children(start_all, ready, "Temporal, worker and API", console)


def preflight(plan: StackPlan) -> None:
    """Everything that can be known to fail before anything starts: binaries and ports."""
    try:
        binary("temporal")
    except BinaryNotFound as missing:
        raise StartupFailed(f"{missing} (run `make install`)") from None
    ensure_free(plan.temporal_port, plan.host, "Temporal", "--temporal-port")
    ensure_free(plan.ui_port, plan.host, "Temporal web UI", "--ui-port")
    ensure_free(plan.api_port, plan.host, "HTTP API", "--api-port")


async def start(
    plan: StackPlan, settings: Settings, children: list[Child], stopping: Stopping
) -> None:
    """Start each piece and wait until it serves before starting the next."""
    env, logs = plan.environment(), plan.data_dir / "logs"
    # The children's data directory: the codec key they share is generated there.
    settings = settings.model_copy(
        update={"temporal_address": plan.temporal_address, "data_dir": plan.data_dir}
    )
    temporal = Child.start("Temporal", plan.temporal_argv(), env, logs / "temporal.log")
    children.append(temporal)
    clients: list[Client] = []
    await wait_until(
        temporal, temporal_ready(settings, clients), STARTUP_TIMEOUT_SECONDS, stopping.is_set
    )
    worker = Child.start("worker", plan.worker_argv(), env, logs / "worker.log")
    children.append(worker)
    await wait_until(
        worker, worker_polling(clients[0], worker), STARTUP_TIMEOUT_SECONDS, stopping.is_set
    )
    api = Child.start("API", plan.api_argv(), env, logs / "api.log")
    children.append(api)
    await wait_until(api, api_ready(plan.api_url), STARTUP_TIMEOUT_SECONDS, stopping.is_set)


def announce(plan: StackPlan, settings: Settings, seconds: float) -> None:
    """Where everything is, and the tokens to use."""
    table = Table(title=f"Mario's Pizzeria is up (ready in {seconds:.1f}s)", show_header=False)
    table.add_row("API", plan.api_url)
    table.add_row("API docs", f"{plan.api_url}/docs")
    table.add_row(
        "boards", f"{plan.api_url}/kitchen  {plan.api_url}/delivery  {plan.api_url}/admin"
    )
    table.add_row("order / sign in", f"{plan.api_url}/order  {plan.api_url}/signin")
    table.add_row("Temporal web UI", plan.ui_url)
    table.add_row("Temporal gRPC", plan.temporal_address)
    table.add_row("logs", str(plan.data_dir / "logs"))
    console.print(table)
    for line in dev_token_lines(settings, plan.data_dir):
        console.print(line, soft_wrap=True)
    console.print("Ctrl-C stops everything.")
