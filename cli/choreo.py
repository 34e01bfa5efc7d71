"""The choreography's processes: ``pizzeria relay``, ``consumers`` and ``deadletters``.

Each reads the same settings as the API (``PIZZERIA_DATABASE_URL``,
``PIZZERIA_NATS_URL``) and stops cleanly on SIGINT/SIGTERM.
"""

import asyncio
import signal
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from nats.js import JetStreamContext
from rich.console import Console
from rich.table import Table

from choreography.bootstrap import CONSUMERS
from choreography.deadletters import list_dead_letters, replay
from choreography.relay import IDLE_SECONDS
from choreography.runtime import Tuning, run_consumers, run_relay
from choreography.topology import ensure_streams
from infra import nats as nats_connection
from infra.prometheus import serve_metrics
from infra.settings import Settings
from infra.telemetry import setup_telemetry

console = Console()
T = TypeVar("T")
deadletters = typer.Typer(help="List and replay the messages consumers gave up on.")


MetricsPort = Annotated[
    int | None,
    typer.Option(help="Serve Prometheus /metrics on this port [default: PIZZERIA_METRICS_PORT]"),
]


def relay(
    idle: Annotated[
        float,
        typer.Option(help="Seconds to wait for news (a commit rings) when the outbox is empty"),
    ] = IDLE_SECONDS,
    metrics_port: MetricsPort = None,
) -> None:
    """Publish committed outbox events to JetStream, in commit order."""
    settings = Settings()
    _serve(
        "pizzeria-relay",
        metrics_port,
        lambda stop: run_relay(settings, stop, Tuning.of(settings, relay_idle=idle)),
    )


def consumers(
    only: Annotated[
        list[str] | None, typer.Option(help=f"Run only these consumers: {', '.join(CONSUMERS)}")
    ] = None,
    ack_wait: Annotated[
        float | None,
        typer.Option(
            help="Seconds before an unacknowledged message is redelivered "
            "(default: PIZZERIA_CHOREO_ACK_WAIT_SECONDS, 30)"
        ),
    ] = None,
    sweep: Annotated[float, typer.Option(help="Seconds between deadline sweeps")] = 1.0,
    metrics_port: MetricsPort = None,
) -> None:
    """Run the services' durable consumers and the deadline sweeper."""
    unknown = sorted(set(only or ()) - set(CONSUMERS))
    if unknown:
        console.print(f"[bold red]unknown consumer(s):[/] {', '.join(unknown)}")
        raise typer.Exit(2)
    settings = Settings()
    overrides = {"sweep_seconds": sweep} | ({"ack_wait": ack_wait} if ack_wait else {})
    tuning = Tuning.of(settings, **overrides)
    _serve(
        "pizzeria-consumers", metrics_port, lambda stop: run_consumers(settings, stop, only, tuning)
    )


@deadletters.command("list")
def list_letters() -> None:
    """Show every parked message: consumer, event, order and the error."""
    letters = asyncio.run(_with_js(list_dead_letters))
    table = Table("seq", "consumer", "event", "order", "attempts", "error")
    for letter in letters:
        table.add_row(
            str(letter.seq),
            letter.consumer,
            letter.event_type,
            letter.order_id,
            str(letter.attempts),
            letter.error,
        )
    console.print(table if letters else "no dead letters")


@deadletters.command("replay")
def replay_letters(
    seq: Annotated[list[int] | None, typer.Argument(help="Sequences to replay")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Replay every dead letter")] = False,
) -> None:
    """Put dead letters back on their subjects; consumers that handled them skip them."""
    if not seq and not all_:
        console.print("name the sequences to replay (see `pizzeria deadletters list`) or --all")
        raise typer.Exit(2)
    asyncio.run(_with_js(lambda js: _replay(js, seq or [], all_)))


async def _replay(js: JetStreamContext, seqs: list[int], all_: bool) -> None:
    if all_:
        seqs = [letter.seq for letter in await list_dead_letters(js)]
    for seq in seqs:
        try:
            letter = await replay(js, seq)
        except LookupError as missing:
            console.print(f"[bold red]{missing}[/]")
            raise typer.Exit(1) from None
        console.print(f"replayed {seq}: {letter.event_type} for {letter.consumer}")


async def _with_js(action: Callable[[JetStreamContext], Awaitable[T]]) -> T:
    settings = Settings()
    client = await nats_connection.connect(settings, name="pizzeria-deadletters")
    try:
        js = client.jetstream()
        tuning = Tuning.of(settings)
        await ensure_streams(js, tuning.limits, tuning.replicas)
        return await action(js)
    finally:
        await client.close()


def _serve(
    name: str, metrics_port: int | None, main: Callable[[asyncio.Event], Awaitable[None]]
) -> None:
    settings = Settings()
    setup_telemetry(settings, name)
    serve_metrics(metrics_port or settings.metrics_port)

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await main(stop)

    asyncio.run(serve())
