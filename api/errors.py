"""Every error leaves as JSON ``{"detail": ...}`` with a message a person can act on."""

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from temporalio.service import RPCError, RPCStatusCode

from domain.errors import OrderNotFound
from workflows.gateway import OrderRefused, OrderUnavailable

UNREACHABLE = {RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED}


def describe_errors(errors: Sequence[Any]) -> list[dict[str, str]]:
    """Pydantic/FastAPI error entries as ``{"field": "items[0].pizza", "message": ...}``."""
    return [{"field": field_path(e.get("loc", ())), "message": str(e.get("msg"))} for e in errors]


def field_path(location: Sequence[int | str]) -> str:
    """``("body", "items", 0, "pizza")`` → ``items[0].pizza``."""
    path = ""
    for part in location:
        if part == "body" and not path:
            continue
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path or "body"


def summarize(described: list[dict[str, str]]) -> str:
    """One line naming each bad field."""
    return "; ".join(f"{item['field']}: {item['message']}" for item in described)


async def invalid_request(_: Request, error: Exception) -> JSONResponse:
    """422 naming every field that failed validation."""
    assert isinstance(error, RequestValidationError)
    described = describe_errors(error.errors())
    body = {"detail": f"invalid request: {summarize(described)}", "errors": described}
    return JSONResponse(body, status.HTTP_422_UNPROCESSABLE_CONTENT)


async def order_not_found(_: Request, error: Exception) -> JSONResponse:
    """404 for an order nobody placed."""
    return JSONResponse({"detail": str(error)}, status.HTTP_404_NOT_FOUND)


async def order_refused(_: Request, error: Exception) -> JSONResponse:
    """409 with the reason the order refused the command."""
    assert isinstance(error, OrderRefused)
    return JSONResponse({"detail": error.reason}, status.HTTP_409_CONFLICT)


async def order_unavailable(_: Request, error: Exception) -> JSONResponse:
    """503 while the order cannot answer (no worker, Temporal restarting)."""
    return JSONResponse({"detail": str(error)}, status.HTTP_503_SERVICE_UNAVAILABLE)


async def temporal_failed(_: Request, error: Exception) -> JSONResponse:
    """503 when Temporal cannot be reached; anything else it says is a 502."""
    assert isinstance(error, RPCError)
    if error.status in UNREACHABLE:
        detail = f"Temporal is unreachable, try again shortly ({error.message})"
        return JSONResponse({"detail": detail}, status.HTTP_503_SERVICE_UNAVAILABLE)
    detail = f"Temporal refused the request: {error.status.name} {error.message}"
    return JSONResponse({"detail": detail}, status.HTTP_502_BAD_GATEWAY)


def install_error_handlers(app: FastAPI) -> None:
    """Register the mappings above on ``app``."""
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(OrderNotFound, order_not_found)
    app.add_exception_handler(OrderRefused, order_refused)
    app.add_exception_handler(OrderUnavailable, order_unavailable)
    app.add_exception_handler(RPCError, temporal_failed)
