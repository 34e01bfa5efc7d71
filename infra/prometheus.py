"""Serving Prometheus text: ours and the Temporal SDK's, from one endpoint per process.

The SDK keeps its metrics in Rust with its own Prometheus server; it cannot
share prometheus-client's registry. So the process's one ``Runtime`` binds the
SDK's server to a free loopback port, and a collector on our registry fetches
and re-emits its families on every scrape: ``GET /metrics`` (API) or
``--metrics-port`` (worker, relay, consumers) shows both, and neither is lost.
"""

import urllib.request
from collections.abc import Iterator
from functools import lru_cache
from wsgiref.simple_server import WSGIServer

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Metric,
    generate_latest,
    start_http_server,
)
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from infra.ports import free_port

CONTENT_TYPE = CONTENT_TYPE_LATEST
SDK_SCRAPE_TIMEOUT_SECONDS = 2.0


class TemporalSdkMetrics(Collector):
    """Re-emits the SDK's Prometheus families, fetched from its loopback server."""

    def __init__(self, url: str) -> None:
        self._url = url

    def describe(self) -> list[Metric]:
        """Nothing up front: the SDK's names are only known once it has recorded something."""
        return []

    def collect(self) -> Iterator[Metric]:
        """The SDK's families as they are now; none while its server is not up yet."""
        try:
            with urllib.request.urlopen(self._url, timeout=SDK_SCRAPE_TIMEOUT_SECONDS) as answer:
                text = answer.read().decode()
        except OSError:
            return
        yield from text_string_to_metric_families(text)


@lru_cache(maxsize=1)
def temporal_runtime() -> Runtime:
    """The process's one Temporal ``Runtime``, its metrics merged into ours."""
    port = free_port()
    config = PrometheusConfig(
        bind_address=f"127.0.0.1:{port}",
        counters_total_suffix=True,
        unit_suffix=True,
        durations_as_seconds=True,
    )
    runtime = Runtime(telemetry=TelemetryConfig(metrics=config))
    REGISTRY.register(TemporalSdkMetrics(f"http://127.0.0.1:{port}/metrics"))
    return runtime


def metrics_text() -> bytes:
    """Everything the process exports, in the Prometheus text format."""
    return generate_latest(REGISTRY)


def serve_metrics(port: int | None, host: str = "0.0.0.0") -> WSGIServer | None:
    """Serve ``/metrics`` on ``port`` from a background thread; nothing when ``port`` is None.

    All interfaces by default: Prometheus scrapes it from another container or host.
    """
    if port is None:
        return None
    server, _thread = start_http_server(port, addr=host)
    return server
