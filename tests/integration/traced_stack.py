"""A saga stack of its own with tracing on, spans kept in memory and JSON logs captured.

It has its own dev server: the session's worker (untraced) would otherwise
share the task queue and take some of the traced orders' tasks.
"""

import asyncio
import io
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import create_app
from cli.stack import TUNING_FLAGS
from infra.binaries import binary
from infra.database import make_engine, make_session_factory
from infra.logs import make_handler
from infra.settings import Settings
from infra.telemetry import disable_tracing, enable_tracing
from infra.temporal import connect
from services.container import Services, build_services, prepare_database
from tests.integration.conftest import OrderDesk
from tests.support import TEST_CODEC_KEY, encrypted_converter
from worker import build_worker
from workflows.names import search_attribute_flags


@dataclass
class TracedStack:
    """The API, worker and client of a traced stack, with what it recorded."""

    http: httpx.AsyncClient
    client: Client
    spans: InMemorySpanExporter
    logs: io.StringIO
    services: Services
    worker: Worker
    settings: Settings

    def desk(self) -> OrderDesk:
        """Order helpers on this stack."""
        return OrderDesk(self.http, self.client, self.settings)

    async def restart_worker(self) -> None:
        """Stop the worker as a deploy would and start a fresh one (an empty workflow cache)."""
        await self.worker.shutdown()
        self.worker = build_worker(self.client, self.services)
        asyncio.get_running_loop().create_task(self.worker.run())

    def trace_of(self, span: ReadableSpan) -> list[ReadableSpan]:
        """Every finished span of ``span``'s trace."""
        trace_id = span.context.trace_id
        return [s for s in self.spans.get_finished_spans() if s.context.trace_id == trace_id]

    def named(self, name: str) -> list[ReadableSpan]:
        """Finished spans called ``name``."""
        return [s for s in self.spans.get_finished_spans() if s.name == name]


@contextmanager
def traced(service: str) -> Iterator[tuple[InMemorySpanExporter, io.StringIO]]:
    """Tracing into memory and JSON log lines into a buffer, both undone on exit."""
    exporter, buffer = InMemorySpanExporter(), io.StringIO()
    handler = make_handler("json", buffer)
    root, level = logging.getLogger(), logging.getLogger().level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    enable_tracing(service, SimpleSpanProcessor(exporter))
    try:
        yield exporter, buffer
    finally:
        disable_tracing()
        root.removeHandler(handler)
        root.setLevel(level)


@asynccontextmanager
async def traced_saga_stack(data_dir: Path) -> AsyncIterator[TracedStack]:
    """Dev server, worker and API, all built after tracing was switched on."""
    with traced("pizzeria-test") as (exporter, logs):
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=str(binary("temporal")),
            data_converter=encrypted_converter(),
            ip="127.0.0.1",
            dev_server_extra_args=[*TUNING_FLAGS, *search_attribute_flags()],
        )
        settings = Settings(
            _env_file=None,
            env="test",
            data_dir=data_dir,
            database_url=f"sqlite+aiosqlite:///{data_dir / 'pizzeria.db'}",
            temporal_address=env.client.service_client.config.target_host,
            public_url="http://testserver",
            smtp_host=None,
            codec_keys=[TEST_CODEC_KEY],
        )
        engine = make_engine(settings.database_url)
        try:
            services = build_services(settings, make_session_factory(engine))
            await prepare_database(engine, services)
            client = await connect(settings)
            worker = build_worker(client, services)
            asyncio.get_running_loop().create_task(worker.run())
            stack: TracedStack | None = None
            app = create_app(settings)
            try:
                async with app.router.lifespan_context(app):
                    transport = httpx.ASGITransport(app=app)
                    async with httpx.AsyncClient(
                        transport=transport, base_url="http://testserver"
                    ) as http:
                        stack = TracedStack(
                            http, client, exporter, logs, services, worker, settings
                        )
                        yield stack
            finally:
                await (stack.worker if stack else worker).shutdown()
        finally:
            await engine.dispose()
            await env.shutdown()
