"""The W3C trace context on the bus: stored with each outbox row, carried in NATS headers.

The API's command or a consumer's handling commits events with the current
span's ``traceparent``; the relay publishes each one in a producer span under
that parent and puts the context in the message headers; the consumer that
receives it continues the trace. Untraced, these cost a flag check.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from infra.telemetry import tracing_enabled

TRACER_NAME = "pizzeria"
TRACEPARENT = "traceparent"
_W3C = TraceContextTextMapPropagator()


def tracer() -> trace.Tracer:
    """The tracer for our own spans (relay publish, consumer handling)."""
    return trace.get_tracer(TRACER_NAME)


def current_traceparent() -> str | None:
    """The W3C ``traceparent`` of the current span, to store with an outbox row; None untraced."""
    carrier: dict[str, str] = {}
    _W3C.inject(carrier)
    return carrier.get(TRACEPARENT)


@contextmanager
def publish_span(subject: str, traceparent: str | None) -> Iterator[dict[str, str]]:
    """A producer span under the stored ``traceparent``; yields the headers that carry it on."""
    if not tracing_enabled():
        yield {}
        return
    parent = _W3C.extract({TRACEPARENT: traceparent} if traceparent else {})
    kind = trace.SpanKind.PRODUCER
    with tracer().start_as_current_span(f"publish {subject}", context=parent, kind=kind):
        headers: dict[str, str] = {}
        _W3C.inject(headers)
        yield headers


@contextmanager
def consume_span(consumer: str, subject: str, headers: Mapping[str, str] | None) -> Iterator[None]:
    """A consumer span, child of the publisher's, for handling one message."""
    if not tracing_enabled():
        yield
        return
    parent = _W3C.extract(dict(headers or {}))
    kind = trace.SpanKind.CONSUMER
    with tracer().start_as_current_span(f"{consumer} handle {subject}", context=parent, kind=kind):
        yield
