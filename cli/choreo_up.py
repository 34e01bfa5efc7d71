"""``pizzeria up --mode choreography``: ``nats-server -js``, the relay, the consumers and the API.

The same child-process handling as orchestration (``cli.processes``), no
Temporal: JetStream keeps its store in ``<data dir>/nats``, every process
shares the SQLite file in the data directory, and the API runs with
``PIZZERIA_MODE=choreography``. ``start_choreography`` is usable on its own
(benchmarks): it appends each child to ``children`` as it starts it, so the
caller can always stop what did start.
"""

import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import nats
from rich.console import Console
from rich.table import Table

from choreography.bootstrap import CONSUMERS
from choreography.names import EVENTS_STREAM
from cli.processes import Child, StartupFailed, ensure_free, serve_children
from cli.readiness import Check, api_ready, wait_until
from cli.signals import Stopping, StopRequest
from cli.stack import StackPlan
from cli.token import dev_token_lines
from infra.binaries import BinaryNotFound, binary
from infra.settings import Settings

STARTUP_TIMEOUT_SECONDS = 90.0


class Mode(StrEnum):
    """Who runs the order lifecycle (``pizzeria up --mode``)."""

    orchestration = "orchestration"
    choreography = "choreography"


console = Console()


@dataclass(frozen=True)
class ChoreographyPlan:
    """The orchestration plan's places and ports, plus where NATS listens and stores."""

    base: StackPlan
    nats_port: int = 4222

    @property
    def nats_url(self) -> str:
        """Where every process reaches JetStream."""
        return f"nats://{self.base.host}:{self.nats_port}"

    @property
    def nats_store(self) -> Path:
        """JetStream's file store."""
        return self.base.data_dir / "nats"

    def nats_argv(self) -> list[str]:
        """``nats-server -js`` on the plan's host and port."""
        return [
            str(binary("nats-server")),
            *("-js", "-sd", str(self.nats_store), "-n", "pizzeria"),
            *("-a", self.base.host, "-p", str(self.nats_port)),
        ]

    def relay_argv(self) -> list[str]:
        """The outbox relay."""
        return [sys.executable, "-m", "cli", "relay"]

    def consumers_argv(self) -> list[str]:
        """Every service's consumer and the deadline sweeper, in one process."""
        return [sys.executable, "-m", "cli", "consumers"]

    def environment(self) -> dict[str, str]:
        """The orchestration environment switched to choreography on this NATS."""
        env = self.base.environment()
        env["PIZZERIA_MODE"] = "choreography"
        env["PIZZERIA_NATS_URL"] = self.nats_url
        return env


def preflight(plan: ChoreographyPlan) -> None:
    """The binary is there and the ports are free."""
    try:
        binary("nats-server")
    except BinaryNotFound as missing:
        raise StartupFailed(f"{missing} (run `make install`)") from None
    ensure_free(plan.nats_port, plan.base.host, "NATS", "--nats-port")
    ensure_free(plan.base.api_port, plan.base.host, "HTTP API", "--api-port")


async def start_choreography(
    plan: ChoreographyPlan,
    children: list[Child],
    stopping: Stopping | None = None,
    patience: float = STARTUP_TIMEOUT_SECONDS,
) -> None:
    """Start NATS, relay, consumers and API in turn, each once the one before serves."""
    env, logs = plan.environment(), plan.base.data_dir / "logs"
    stopped = stopping.is_set if stopping is not None else (lambda: False)
    pieces: list[tuple[str, list[str], Check]] = [
        ("NATS", plan.nats_argv(), nats_answers(plan.nats_url, stream=False)),
        ("relay", plan.relay_argv(), nats_answers(plan.nats_url, stream=True)),
        ("consumers", plan.consumers_argv(), consumers_bound(plan.nats_url)),
        ("API", plan.base.api_argv(), api_ready(plan.base.api_url)),
    ]
    for name, argv, ready in pieces:
        child = Child.start(name, argv, env, logs / f"{name.lower()}.log")
        children.append(child)
        await wait_until(child, ready, patience, stopped)


async def quiet(_: Exception) -> None:
    """Refused connections are expected while a server starts; the default handler prints them."""


def nats_answers(url: str | list[str], stream: bool) -> Check:
    """A NATS server at ``url`` (or any of a list) answers; with ``stream``, the events stream."""

    async def check() -> bool:
        try:
            client = await nats.connect(
                url, connect_timeout=1, max_reconnect_attempts=0, error_cb=quiet
            )
        except Exception:  # not listening yet
            return False
        try:
            if stream:
                await client.jetstream().stream_info(EVENTS_STREAM)
            return True
        except Exception:  # the relay has not created the stream yet
            return False
        finally:
            await client.close()

    return check


def consumers_bound(url: str | list[str]) -> Check:
    """Every service's durable consumer exists on the event stream."""

    async def check() -> bool:
        client = await nats.connect(
            url, connect_timeout=1, max_reconnect_attempts=0, error_cb=quiet
        )
        try:
            bound = await client.jetstream().consumers_info(EVENTS_STREAM)
        except Exception:  # no stream yet
            return False
        finally:
            await client.close()
        return set(CONSUMERS) <= {info.name for info in bound}

    return check


def run_choreography_stack(plan: ChoreographyPlan, settings: Settings) -> int:
    """Start everything, serve until Ctrl-C or SIGTERM, stop everything; the exit code."""

    async def start_all(children: list[Child], stopping: StopRequest) -> None:
        preflight(plan)
        await start_choreography(plan, children, stopping)

    def ready(seconds: float) -> None:
        announce(plan, settings, seconds)

    return serve_children(start_all, ready, "NATS, relay, consumers and API", console)


def announce(plan: ChoreographyPlan, settings: Settings, seconds: float) -> None:
    """Where everything is, and the tokens to use."""
    title = f"Mario's Pizzeria (choreography) is up (ready in {seconds:.1f}s)"
    table = Table(title=title, show_header=False)
    table.add_row("API", plan.base.api_url)
    table.add_row("API docs", f"{plan.base.api_url}/docs")
    table.add_row(
        "boards",
        f"{plan.base.api_url}/kitchen  {plan.base.api_url}/delivery  {plan.base.api_url}/admin",
    )
    table.add_row("order / sign in", f"{plan.base.api_url}/order  {plan.base.api_url}/signin")
    table.add_row("NATS JetStream", plan.nats_url)
    table.add_row("JetStream store", str(plan.nats_store))
    table.add_row("dead letters", "pizzeria deadletters list")
    table.add_row("logs", str(plan.base.data_dir / "logs"))
    console.print(table)
    for line in dev_token_lines(settings, plan.base.data_dir):
        console.print(line, soft_wrap=True)
    console.print("Ctrl-C stops everything.")
