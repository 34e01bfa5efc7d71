"""The choreography's processes: the relay and the consumers, as async functions.

``pizzeria relay`` and ``pizzeria consumers`` run them in their own processes;
tests and benchmarks may run them as tasks. Each opens its own database engine
and NATS connection and closes them when ``stop`` is set.
"""

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from choreography.advisories import keep_dead_letters
from choreography.batch_publisher import JetStreamPublisher
from choreography.bootstrap import IN_ORDER, bootstrap
from choreography.bus import MessageBus
from choreography.consumer import RetryPolicy, ServiceConsumer
from choreography.deadlines import SWEEP_SECONDS, run_sweeper
from choreography.outbox_bell import OutboxBell, listen_for_news
from choreography.ports import Bell
from choreography.relay import IDLE_SECONDS, Relay
from choreography.relay_lease import lease_for
from choreography.store import SqlStore
from choreography.topology import (
    ACK_WAIT_SECONDS,
    Limits,
    Retention,
    ensure_consumers,
    ensure_streams,
)
from infra import nats as nats_connection
from infra.database import make_engine, make_session_factory
from infra.migrations import upgrade_to_head
from infra.settings import Settings
from services.container import build_services, prepare_database
from workflows.contracts import Slas


@dataclass(frozen=True)
class Tuning:
    """Knobs of the relay and consumers (tests shorten them); ``of`` reads them from settings."""

    ack_wait: float = ACK_WAIT_SECONDS
    sweep_seconds: float = SWEEP_SECONDS
    relay_idle: float = IDLE_SECONDS
    fetch_seconds: float = 1.0
    replicas: int = 1
    batch: int = 64
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    limits: Limits = field(default_factory=Limits)

    @classmethod
    def of(cls, settings: Settings, **overrides: Any) -> "Tuning":
        """The configured knobs, with ``overrides`` (CLI options) on top."""
        retry = RetryPolicy(settings.choreo_max_attempts, settings.choreo_backoff_seconds)
        limits = Limits(
            events=Retention(settings.events_max_age_seconds, settings.events_max_bytes),
            dead_letters=Retention(settings.deadletters_max_age_seconds),
        )
        configured = cls(
            ack_wait=settings.choreo_ack_wait_seconds,
            replicas=settings.stream_replicas,
            batch=settings.consumer_concurrency,
            retry=retry,
            limits=limits,
        )
        return replace(configured, **overrides)


def slas_from(settings: Settings) -> Slas:
    """The SLAs new orders get (the same settings the saga reads)."""
    return Slas(
        cooking=timedelta(seconds=settings.cooking_sla_seconds),
        ready=timedelta(seconds=settings.ready_sla_seconds),
        delivery=timedelta(seconds=settings.delivery_sla_seconds),
    )


@asynccontextmanager
async def open_bus(settings: Settings, bell: Bell | None = None) -> AsyncIterator[MessageBus]:
    """The bus on the configured database, tables created and stock seeded; its commits ring
    ``bell``."""
    engine = make_engine(settings.database_url)
    try:
        sessions = make_session_factory(engine)
        services = build_services(settings, sessions)
        await prepare_database(engine, services)
        yield bootstrap(services, SqlStore(sessions, bell), slas_from(settings))
    finally:
        await engine.dispose()


async def run_relay(settings: Settings, stop: asyncio.Event, tuning: Tuning | None = None) -> None:
    """Publish the outbox to JetStream until ``stop`` is set."""
    tuning = tuning or Tuning.of(settings)
    client = await nats_connection.connect(settings, name="pizzeria-relay")
    try:
        js = client.jetstream()
        await ensure_streams(js, tuning.limits, tuning.replicas)
        engine = make_engine(settings.database_url)
        try:
            # Only the choreography's tables are its business: no stock seeding, no services.
            await upgrade_to_head(engine)
            store = SqlStore(make_session_factory(engine))
            news = await listen_for_news(client)
            relay = Relay(store, JetStreamPublisher(js), lease=lease_for(engine), news=news)
            await relay.run(stop, tuning.relay_idle)
        finally:
            await engine.dispose()
    finally:
        await client.close()


async def run_consumers(
    settings: Settings,
    stop: asyncio.Event,
    only: Sequence[str] | None = None,
    tuning: Tuning | None = None,
) -> None:
    """Run the named consumers (default: all), the deadline sweeper and the dead-letter keeper
    until ``stop`` is set."""
    tuning = tuning or Tuning.of(settings)
    client = await nats_connection.connect(settings, name="pizzeria-consumers")
    try:
        js = client.jetstream()
        await ensure_streams(js, tuning.limits, tuning.replicas)
        async with open_bus(settings, OutboxBell(client)) as bus:
            names = list(only or bus.consumers)
            subjects = {n: bus.subjects(n) for n in names}
            undoing = [name for name in names if not bus.gives_up(name)]
            await ensure_consumers(
                js,
                subjects,
                tuning.ack_wait,
                tuning.retry.max_attempts,
                keep_trying=undoing,
                replicas=tuning.replicas,
            )
            loops = [
                ServiceConsumer(
                    js,
                    bus,
                    name,
                    tuning.retry,
                    name in IN_ORDER,
                    batch=tuning.batch,
                    fetch_seconds=tuning.fetch_seconds,
                ).run(stop)
                for name in names
            ]
            loops.append(run_sweeper(bus.deps, stop, tuning.sweep_seconds))
            loops.append(keep_dead_letters(js, stop, tuning.fetch_seconds))
            # One loop failing stops the others: a half-alive process would hold its messages.
            async with asyncio.TaskGroup() as group:
                for loop in loops:
                    group.create_task(loop)
    finally:
        await client.close()
