"""What the API holds open while it runs: one Temporal client, one database engine, the services.

``open_runtime`` is the composition root of the HTTP process. It is chosen by
``create_app`` and can be swapped (tests, the choreography mode) without
touching a router.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from nats.aio.client import Client as NatsClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client

from api.temporal_gateway import TemporalOrderGateway
from choreography.bootstrap import bootstrap
from choreography.gateway import ChoreographyOrderGateway
from choreography.outbox_bell import OutboxBell
from choreography.store import SqlStore
from infra import nats as nats_connection
from infra.database import make_engine, make_session_factory
from infra.settings import Settings
from infra.temporal import connect
from services.container import Services, build_services, prepare_database
from workflows.contracts import Slas
from workflows.gateway import OrderGateway

Probe = Callable[[], Awaitable[None]]
"""A readiness check: returns when the dependency answers, raises when it does not."""


@dataclass(frozen=True)
class Runtime:
    """The long-lived objects every request shares."""

    settings: Settings
    gateway: OrderGateway
    services: Services
    probes: dict[str, Probe] = field(default_factory=dict)


RuntimeFactory = Callable[[Settings], AbstractAsyncContextManager[Runtime]]


@asynccontextmanager
async def open_runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """Connect Temporal and the database once for the process; dispose of them on exit."""
    if settings.mode == "choreography":
        async with open_choreography_runtime(settings) as runtime:
            yield runtime
        return
    engine = make_engine(settings.database_url)
    try:
        services = build_services(settings, make_session_factory(engine))
        await prepare_database(engine, services)
        client = await connect(settings)
        gateway = TemporalOrderGateway(client, slas_from(settings), services.orders)
        probes = {"temporal": temporal_probe(client), "database": database_probe(engine)}
        yield Runtime(settings=settings, gateway=gateway, services=services, probes=probes)
    finally:
        await engine.dispose()


@asynccontextmanager
async def open_choreography_runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """The same API over the bus (PIZZERIA_MODE=choreography): commands commit to the outbox."""
    engine = make_engine(settings.database_url)
    client = await nats_connection.connect(settings, name="pizzeria-api")
    try:
        sessions = make_session_factory(engine)
        services = build_services(settings, sessions)
        await prepare_database(engine, services)
        gateway = ChoreographyOrderGateway(
            bootstrap(services, SqlStore(sessions, OutboxBell(client)), slas_from(settings)),
            settings.choreo_cancel_wait_seconds,
        )
        probes = {"nats": nats_probe(client), "database": database_probe(engine)}
        yield Runtime(settings=settings, gateway=gateway, services=services, probes=probes)
    finally:
        await client.close()
        await engine.dispose()


def nats_probe(client: NatsClient) -> Probe:
    """Round-trip to the NATS server."""

    async def check() -> None:
        await nats_connection.ping(client)

    return check


def slas_from(settings: Settings) -> Slas:
    """The SLAs configured for new orders."""
    return Slas(
        cooking=timedelta(seconds=settings.cooking_sla_seconds),
        ready=timedelta(seconds=settings.ready_sla_seconds),
        delivery=timedelta(seconds=settings.delivery_sla_seconds),
    )


def temporal_probe(client: Client) -> Probe:
    """Ask the Temporal frontend's health service."""

    async def check() -> None:
        if not await client.service_client.check_health(timeout=timedelta(seconds=2)):
            raise ConnectionError("Temporal reports not serving")

    return check


def database_probe(engine: AsyncEngine) -> Probe:
    """Run ``SELECT 1`` on the database."""

    async def check() -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    return check
