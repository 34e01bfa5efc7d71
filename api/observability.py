"""What the API adds to be watched: ``/metrics``, and request spans when tracing is on."""

from fastapi import FastAPI

from api.routers import metrics
from infra.telemetry import tracing_enabled

UNTRACED_PATHS = "metrics,healthz,readyz"


def install_observability(app: FastAPI) -> None:
    """Serve ``/metrics``; trace every other request when this process traces."""
    app.include_router(metrics.router)
    if tracing_enabled():
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        # The ASGI receive/send spans say nothing an operator needs.
        FastAPIInstrumentor.instrument_app(
            app, excluded_urls=UNTRACED_PATHS, exclude_spans=["receive", "send"]
        )
