"""Set up once per process, before any client exists: logs, and tracing when it is asked for.

Tracing is on when the standard ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set (spans
go there over OTLP/HTTP, named by ``OTEL_SERVICE_NAME`` or the process's own
name) or when a test hands in its own exporter. Off, nothing is instrumented
and no client carries the Temporal plugin, so it costs nothing.

On, one order is one trace: FastAPI's server span, the Temporal client's
StartWorkflow, the workflow's and each activity's spans (Temporal's
``OpenTelemetryPlugin``, registered on the client only, carries the context in
Temporal headers), SQLAlchemy's statements, and in choreography the W3C
``traceparent`` stored with each outbox row and sent in the NATS headers
(``infra.trace_context``).
"""

import os
from dataclasses import dataclass, field

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from temporalio.contrib.opentelemetry import (
    OpenTelemetryPlugin,
    ReplaySafeTracerProvider,
    create_tracer_provider,
)
from temporalio.plugin import SimplePlugin

from infra.logs import setup_logging
from infra.settings import Settings

ENDPOINT_VARIABLE = "OTEL_EXPORTER_OTLP_ENDPOINT"


class _Switchable(SpanProcessor):
    """Forwards to ``inner`` until switched off: a provider cannot drop a processor."""

    def __init__(self, inner: SpanProcessor) -> None:
        self.inner = inner
        self.on = True

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        """Forwarded while on."""
        if self.on:
            self.inner.on_start(span, parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        """Forwarded while on."""
        if self.on:
            self.inner.on_end(span)

    def off(self) -> None:
        """Flush what ``inner`` holds, then stop forwarding and shut it down."""
        self.inner.force_flush()
        self.on = False
        self.inner.shutdown()


@dataclass
class _Tracing:
    """What this process set up; the tracer provider can be set only once per process."""

    provider: ReplaySafeTracerProvider | None = None
    enabled: bool = False
    processors: list[_Switchable] = field(default_factory=list)


_tracing = _Tracing()


def setup_telemetry(
    settings: Settings, service_name: str, exporter: SpanExporter | None = None
) -> None:
    """Logs as configured, and tracing when an OTLP endpoint or ``exporter`` is given."""
    setup_logging(settings.log_format, settings.log_level)
    if exporter is not None:
        enable_tracing(service_name, SimpleSpanProcessor(exporter))
    elif os.environ.get(ENDPOINT_VARIABLE):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        enable_tracing(service_name, BatchSpanProcessor(OTLPSpanExporter()))


def enable_tracing(service_name: str, processor: SpanProcessor) -> None:
    """Trace from now on, sending finished spans to ``processor``."""
    provider = _tracing.provider
    if provider is None:
        name = os.environ.get("OTEL_SERVICE_NAME", service_name)
        provider = _tracing.provider = create_tracer_provider(
            resource=Resource({SERVICE_NAME: name})
        )
        trace.set_tracer_provider(provider)
    if not _tracing.enabled:
        _instrument_libraries(on=True)
    switchable = _Switchable(processor)
    provider.add_span_processor(switchable)
    _tracing.processors.append(switchable)
    _tracing.enabled = True


def disable_tracing() -> None:
    """Stop tracing new clients, apps and engines (tests): spans in flight are flushed, and
    the processors shut down (the provider itself stays: it can be set once per process)."""
    for processor in _tracing.processors:
        processor.off()
    _tracing.processors.clear()
    if _tracing.enabled:
        _instrument_libraries(on=False)
    _tracing.enabled = False


def tracing_enabled() -> bool:
    """Whether this process traces."""
    return _tracing.enabled


def temporal_plugins() -> list[SimplePlugin]:
    """The plugins every Temporal client gets: the tracing plugin when tracing is on."""
    return [OpenTelemetryPlugin(add_temporal_spans=True)] if _tracing.enabled else []


def _instrument_libraries(on: bool) -> None:
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    if not on:
        SQLAlchemyInstrumentor().uninstrument()
        HTTPXClientInstrumentor().uninstrument()
        return
    # Engines made after this point trace their statements (infra.database looks
    # create_async_engine up on its module so the wrapper applies). The package
    # declares SQLAlchemy < 2.1; its engine events are unchanged in 2.1 (tested).
    SQLAlchemyInstrumentor().instrument(skip_dep_check=True)
    HTTPXClientInstrumentor().instrument()
