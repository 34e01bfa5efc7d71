"""``pizzeria bench``: start a private stack, run the scenarios, print and save the results."""

import asyncio
import datetime as dt
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from benchmarks import report
from benchmarks.choreography import choreography_session
from benchmarks.results import ScenarioResult
from benchmarks.runner import run_plans
from benchmarks.scenarios import SCENARIOS, BenchOptions, plan_runs
from benchmarks.session import open_session
from cli.processes import StartupFailed

# Piped into a file the tables keep their columns instead of wrapping at 80.
console = Console(width=None if sys.stdout.isatty() else 150)
DEFAULT_SCENARIOS = "saga,baseline,choreography,scaling,compensation"


def bench(
    orders: Annotated[int, typer.Option(min=1, max=100_000, help="Orders per run")] = 200,
    concurrency: Annotated[int, typer.Option(min=1, max=1000, help="Orders in flight")] = 50,
    workers: Annotated[int, typer.Option(min=1, max=8, help="Saga worker processes")] = 1,
    scenarios: Annotated[
        str, typer.Option(help=f"Comma-separated subset of: {', '.join(SCENARIOS)}")
    ] = DEFAULT_SCENARIOS,
    database: Annotated[str, typer.Option(help="sqlite (a temporary file)")] = "sqlite",
    diagnostics: Annotated[
        Path | None,
        typer.Option(help="Keep every process's log here and profile worker and API (cProfile)"),
    ] = None,
    output: Annotated[
        Path | None, typer.Option(help="JSON file [default: bench/results/<date>-<machine>.json]")
    ] = None,
) -> None:
    """Measure the saga through the API against a bare Temporal workflow, on a private stack."""
    chosen = tuple(name.strip() for name in scenarios.split(",") if name.strip())
    unknown = [name for name in chosen if name not in SCENARIOS]
    if unknown or not chosen:
        console.print(
            f"[bold red]pizzeria bench:[/] unknown scenario(s) {unknown or chosen}; "
            f"choose from {', '.join(SCENARIOS)}"
        )
        raise typer.Exit(2)
    options = BenchOptions(orders, concurrency, workers, chosen)
    now = dt.datetime.now(dt.UTC)
    if diagnostics is not None:
        diagnostics.mkdir(parents=True, exist_ok=True)
    try:
        signal.signal(signal.SIGTERM, _interrupt)
        results = asyncio.run(_run(options, diagnostics))
    except StartupFailed as failure:
        console.print(f"[bold red]pizzeria bench:[/] {failure}")
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        console.print("[bold red]pizzeria bench:[/] interrupted; the stack is stopped")
        raise typer.Exit(130) from None
    console.print(report.latency_table(results))
    console.print(report.cost_table(results))
    path = output or report.default_output(now)
    settings = {
        "orders": orders,
        "concurrency": concurrency,
        "workers": workers,
        "scenarios": list(chosen),
        "database": database,
    }
    report.write(path, report.document(results, settings, now))
    console.print(f"results written to {path}")


async def _run(options: BenchOptions, diagnostics: Path | None) -> list[ScenarioResult]:
    plans = plan_runs(options)
    on_bus = [plan for plan in plans if plan.mode == "choreography"]
    on_temporal = [plan for plan in plans if plan.mode != "choreography"]
    connections = max(plan.concurrency for plan in plans) + 10
    with Progress(console=console, transient=False) as progress:
        async with open_session(progress, None, connections, diagnostics) as (session, scale):
            results = await run_plans(session, on_temporal, scale)
            if on_bus:
                async with choreography_session(session, connections) as bus_session:
                    results += await run_plans(bus_session, on_bus, _one_process_each)
    return results


def _interrupt(*_: object) -> None:
    """SIGTERM stops the bench as Ctrl-C does: the stack comes down on the way out."""
    raise KeyboardInterrupt


async def _one_process_each(workers: int) -> None:
    """Choreography runs one relay and one consumers process; there is nothing to scale."""
