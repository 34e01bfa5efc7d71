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
from benchmarks.database import BenchDatabase, bench_database
from benchmarks.profiling import py_spy
from benchmarks.results import ScenarioResult
from benchmarks.runner import run_plans
from benchmarks.scenarios import SCENARIOS, BenchOptions, plan_runs
from benchmarks.session import SessionExtras, open_session
from cli.processes import StartupFailed

# Piped into a file the tables keep their columns instead of wrapping at 80.
console = Console(width=None if sys.stdout.isatty() else 150)
DEFAULT_SCENARIOS = "saga,baseline,choreography,scaling,compensation"
OPEN_LOOP_CONNECTIONS = 200
"""An open loop does not cap orders in flight; the HTTP pool should not either, mostly."""


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
        str | None,
        typer.Option(help="postgresql+asyncpg://... of an empty database [default: start one]"),
    ] = None,
    rate: Annotated[
        str | None,
        typer.Option(
            help="Also run saga/baseline/choreography open loop: Poisson arrivals at this many "
            "orders/s, or 'half' of what each closed run measured"
        ),
    ] = None,
    profile: Annotated[
        bool, typer.Option(help="Sample every Python process with py-spy: where its CPU goes")
    ] = False,
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
    _database_url(database, database_url)
    options = BenchOptions(orders, concurrency, workers, chosen, *_rate(rate))
    now = dt.datetime.now(dt.UTC)
    target = output or report.default_output(now)
    if diagnostics is not None:
        diagnostics.mkdir(parents=True, exist_ok=True)
    profile_dir = _profile_dir(target) if profile else None
    try:
        signal.signal(signal.SIGTERM, _interrupt)
        with bench_database(database.value, database_url) as db:
            results = asyncio.run(_run(options, db, diagnostics, profile_dir))
    except StartupFailed as failure:
        _fail(str(failure), 1)
    except KeyboardInterrupt:
        _fail("interrupted; the stack is stopped", 130)
    settings = {"mode": mode.value, "database": database.value} | dataclasses.asdict(options)
    _publish(results, settings, target, now)


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


def _database_url(database: Database, url: str | None) -> None:
    if database is Database.sqlite and url is not None:
        _fail("--database-url goes with --database postgres", 2)
    if url is not None and not url.startswith("postgresql"):
        _fail("--database-url must be postgresql+asyncpg://user@host/db", 2)


def _rate(rate: str | None) -> tuple[float | None, bool]:
    """``--rate``: (orders/s, False), (None, True) for 'half', or (None, False) when absent."""
    if rate is None:
        return None, False
    if rate == "half":
        return None, True
    try:
        value = float(rate)
    except ValueError:
        _fail(f"--rate takes orders per second or 'half', not '{rate}'", 2)
    if not 0 < value <= 10_000:
        _fail(f"--rate must be above 0 and at most 10000 orders/s, not {value:g}", 2)
    return value, False


def _profile_dir(output: Path) -> Path:
    try:
        py_spy()
    except RuntimeError as missing:
        _fail(str(missing), 2)
    folder = output.with_name(output.stem + "-profile")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _publish(
    results: list[ScenarioResult], settings: dict[str, object], path: Path, now: dt.datetime
) -> None:
    console.print(report.latency_table(results))
    console.print(report.cost_table(results))
    if any(r.profile for r in results):
        console.print(report.profile_table(results))
    report.write(path, report.document(results, settings, now))
    path.with_suffix(".md").write_text(report.markdown(results))
    console.print(f"results written to {path} (and the table to {path.with_suffix('.md')})")


async def _run(
    options: BenchOptions, db: BenchDatabase, diagnostics: Path | None, profile: Path | None
) -> list[ScenarioResult]:
    plans = plan_runs(options)
    on_bus = [plan for plan in plans if plan.mode == "choreography"]
    on_temporal = [plan for plan in plans if plan.mode != "choreography"]
    open_loop = any(p.rate is not None or p.half_of is not None for p in plans)
    connections = max(OPEN_LOOP_CONNECTIONS if open_loop else 0, *(p.concurrency for p in plans))
    connections += 10
    faults = any(plan.payment_declines for plan in plans)
    extras = SessionExtras(faults=faults, profile_dir=profile, pids=db.pids)
    database_url = db.url
    with Progress(console=console, transient=False) as progress:
        async with open_session(progress, database_url, connections, diagnostics, extras) as (
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
