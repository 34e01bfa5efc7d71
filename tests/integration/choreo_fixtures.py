"""A real ``nats-server -js`` and the choreography stack on it, for integration and parity tests.

Each test gets its own server (127.0.0.1, a free port, a temp store dir; it
starts in well under a second) and its own SQLite file, so durable consumers
and streams never leak between tests. The relay and consumers run as tasks of
the test's event loop with short retry delays; ``ChoreoStack`` exposes them.
Test modules wrap these context managers in one-line fixtures.
"""

import asyncio
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import FastAPI

from api.app import create_app
from choreography.consumer import RetryPolicy
from choreography.runtime import Tuning, run_consumers, run_relay
from infra.binaries import binary
from infra.database import make_engine, make_session_factory
from infra.ports import free_port
from infra.settings import Settings
from services.container import Services, build_services, prepare_database

FAST = Tuning(
    ack_wait=2.0,
    sweep_seconds=0.1,
    relay_idle=0.01,
    fetch_seconds=0.25,
    retry=RetryPolicy(max_attempts=4, backoff=(0.1, 0.2, 0.4, 0.8)),
)


@dataclass
class NatsServer:
    """A running ``nats-server -js``."""

    process: subprocess.Popen[bytes]
    url: str
    store_dir: Path

    def stop(self) -> None:
        """Terminate, then kill if it lingers."""
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_nats(store_dir: Path) -> NatsServer:
    """Start JetStream on a free port of 127.0.0.1 and wait until it accepts connections."""
    port = free_port()
    argv = [str(binary("nats-server")), "-js", "-a", "127.0.0.1", "-p", str(port)]
    process = subprocess.Popen(
        [*argv, "-sd", str(store_dir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    server = NatsServer(process, f"nats://127.0.0.1:{port}", store_dir)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                raise RuntimeError("nats-server did not start") from None
            time.sleep(0.02)


@contextmanager
def nats_server(store_dir: Path) -> Iterator[NatsServer]:
    """A JetStream server storing under ``store_dir``, always stopped."""
    server = start_nats(store_dir)
    try:
        yield server
    finally:
        server.stop()


def choreo_settings(tmp_path: Path, nats_url: str, **overrides: object) -> Settings:
    """Choreography-mode settings on a SQLite file under ``tmp_path``."""
    return Settings(
        _env_file=None,
        env="test",
        mode="choreography",
        data_dir=tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'pizzeria.db'}",
        nats_url=nats_url,
        public_url="http://testserver",
        smtp_host=None,
        **overrides,  # type: ignore[arg-type]
    )


@dataclass
class ChoreoStack:
    """The API in choreography mode with its relay and consumers running."""

    settings: Settings
    app: FastAPI
    http: httpx.AsyncClient
    services: Services


@asynccontextmanager
async def choreography_stack(
    settings: Settings, relay: bool = True, consumers: bool = True
) -> AsyncIterator[ChoreoStack]:
    """The API plus (optionally) the relay and consumers as tasks; all stopped on exit."""
    engine = make_engine(settings.database_url)
    services = build_services(settings, make_session_factory(engine))
    await prepare_database(engine, services)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(run_relay(settings, stop, FAST))] if relay else []
    if consumers:
        tasks.append(asyncio.create_task(run_consumers(settings, stop, tuning=FAST)))
    app = create_app(settings)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
                yield ChoreoStack(settings, app, http, services)
    finally:
        stop.set()
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        await engine.dispose()
    crashed = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    if crashed:
        raise crashed[0]  # a relay or consumer that died would otherwise look like a slow test


@asynccontextmanager
async def choreography_on_own_server(tmp_path: Path) -> AsyncIterator[ChoreoStack]:
    """A fresh server and database under ``tmp_path`` with the whole stack on them."""
    with nats_server(tmp_path / "nats") as server:
        async with choreography_stack(choreo_settings(tmp_path, server.url)) as stack:
            yield stack
