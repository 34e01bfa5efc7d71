"""``GET /metrics``: the API process's Prometheus text (ours and the Temporal SDK's)."""

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from infra.prometheus import CONTENT_TYPE, metrics_text

router = APIRouter(tags=["health"])


# Public like /healthz, for Prometheus to scrape; kept out of the API's document.
@router.get("/metrics", response_class=Response, include_in_schema=False)
async def metrics() -> Response:
    """Everything this process counts, for Prometheus to scrape."""
    # Rendering fetches the SDK's loopback endpoint: keep that off the event loop.
    return Response(await run_in_threadpool(metrics_text), media_type=CONTENT_TYPE)
