"""``pizzeria bench``: start a private stack, run the scenarios, print and save the results."""

import asyncio
import dataclasses
import datetime as dt
import signal
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

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


class Mode(StrEnum):
    """Which way of running the order lifecycle to measure."""

    orchestration = "orchestration"
    choreography = "choreography"
    both = "both"


class Database(StrEnum):
    """Where the services keep their tables."""

    sqlite = "sqlite"
    postgres = "postgres"


def bench(
    orders: Annotated[int, typer.Option(min=1, max=100_000, help="Orders per run")] = 200,
    concurrency: Annotated[int, typer.Option(min=1, max=1000, help="Orders in flight")] = 50,
    workers: Annotated[int, typer.Option(min=1, max=8, help="Saga worker processes")] = 1,
    mode: Annotated[Mode, typer.Option(help="Which modes' scenarios to run")] = Mode.both,
    scenarios: Annotated[
        str, typer.Option(help=f"Comma-separated subset of: {', '.join(SCENARIOS)}")
    ] = DEFAULT_SCENARIOS,
    database: Annotated[
        Database, typer.Option(help="sqlite: a temporary file; postgres: --database-url")
    ] = Database.sqlite,
    database_url: Annotated[
        str | None, typer.Option(help="postgresql+asyncpg://... of an existing, empty database")
    ] = None,
    diagnostics: Annotated[
        Path | None,
        typer.Option(help="Keep every process's log here and profile worker and API (cProfile)"),
    ] = None,
    output: Annotated[
        Path | None, typer.Option(help="JSON file [default: bench/results/<date>-<machine>.json]")
    ] = None,
) -> None:
    """Measure the saga through the API against a bare Temporal workflow, on a private stack."""
    chosen = _scenarios(scenarios, mode)
    url = _database_url(database, database_url)
    options = BenchOptions(orders, concurrency, workers, chosen)
    now = dt.datetime.now(dt.UTC)
    if diagnostics is not None:
        diagnostics.mkdir(parents=True, exist_ok=True)
    try:
        signal.signal(signal.SIGTERM, _interrupt)
        results = asyncio.run(_run(options, url, diagnostics))
    except StartupFailed as failure:
        _fail(str(failure), 1)
    except KeyboardInterrupt:
        _fail("interrupted; the stack is stopped", 130)
    settings = {"mode": mode.value, "database": database.value} | dataclasses.asdict(options)
    _publish(results, settings, output or report.default_output(now), now)


def _fail(message: str, code: int) -> NoReturn:
    console.print(f"[bold red]pizzeria bench:[/] {message}")
    raise typer.Exit(code)


def _scenarios(names: str, mode: Mode) -> tuple[str, ...]:
    chosen = tuple(name.strip() for name in names.split(",") if name.strip())
    unknown = [name for name in chosen if name not in SCENARIOS]
    if unknown or not chosen:
        _fail(f"unknown scenario(s) {unknown or chosen}; choose from {', '.join(SCENARIOS)}", 2)
    if mode is Mode.both:
        return chosen
    kept = tuple(n for n in chosen if (n == "choreography") == (mode is Mode.choreography))
    return kept or _fail(f"none of {', '.join(chosen)} runs in {mode.value} mode", 2)


def _database_url(database: Database, url: str | None) -> str | None:
    if database is Database.sqlite:
        if url is not None:
            _fail("--database-url goes with --database postgres", 2)
        return None
    if url is None or not url.startswith("postgresql"):
        _fail("--database postgres needs --database-url postgresql+asyncpg://user@host/db", 2)
    return url


def _publish(
    results: list[ScenarioResult], settings: dict[str, object], path: Path, now: dt.datetime
) -> None:
    console.print(report.latency_table(results))
    console.print(report.cost_table(results))
    report.write(path, report.document(results, settings, now))
    path.with_suffix(".md").write_text(report.markdown(results))
    console.print(f"results written to {path} (and the table to {path.with_suffix('.md')})")


async def _run(
    options: BenchOptions, database_url: str | None, diagnostics: Path | None
) -> list[ScenarioResult]:
    plans = plan_runs(options)
    on_bus = [plan for plan in plans if plan.mode == "choreography"]
    on_temporal = [plan for plan in plans if plan.mode != "choreography"]
    connections = max(plan.concurrency for plan in plans) + 10
    with Progress(console=console, transient=False) as progress:
        async with open_session(progress, database_url, connections, diagnostics) as (
            session,
            scale,
        ):
            results = await run_plans(session, on_temporal, scale)
            if on_bus:
                async with choreography_session(session, connections, database_url) as bus_session:
                    results += await run_plans(bus_session, on_bus, _one_process_each)
    return results


def _interrupt(*_: object) -> None:
    """SIGTERM stops the bench as Ctrl-C does: the stack comes down on the way out."""
    raise KeyboardInterrupt


async def _one_process_each(workers: int) -> None:
    """Choreography runs one relay and one consumers process; there is nothing to scale."""
