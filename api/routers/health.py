"""Liveness and readiness for load balancers and ``pizzeria up``."""

import asyncio

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse

from api.deps import RuntimeDep
from api.runtime import Probe
from api.schemas import Health

PROBE_TIMEOUT_SECONDS = 3.0

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> Health:
    """The process is up and serving HTTP."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    responses={503: {"description": "A dependency is unreachable; `detail` names it"}},
)
async def readyz(runtime: RuntimeDep) -> Health | JSONResponse:
    """Every dependency answers (Temporal, the database; NATS in choreography mode)."""
    names = list(runtime.probes)
    results = await asyncio.gather(*(_outcome(runtime.probes[name]) for name in names))
    checks = dict(zip(names, results, strict=True))
    failing = [
        f"{name} unreachable ({result})" for name, result in checks.items() if result != "ok"
    ]
    if failing:
        body = {"detail": f"not ready: {'; '.join(failing)}", "status": "unavailable"}
        return JSONResponse({**body, "checks": checks}, status.HTTP_503_SERVICE_UNAVAILABLE)
    return Health(status="ready", checks=checks)


async def _outcome(probe: Probe) -> str:
    try:
        await asyncio.wait_for(probe(), PROBE_TIMEOUT_SECONDS)
    except TimeoutError:
        return f"no answer within {PROBE_TIMEOUT_SECONDS:g}s"
    except Exception as error:  # any failure means "not ready"; the message says which
        return f"{type(error).__name__}: {error}"
    return "ok"
