"""The OpenAPI document as the API really behaves: its error body, its security, its refusals.

FastAPI documents its own 422 shape (``HTTPValidationError``) while this API
sends ``{"detail": "<text>", "errors": [...]}`` for every error; this rewrites
every 4xx/5xx response to that one schema and adds the refusals every guarded
route can give (401, 403, 503 while the identity provider is unreachable) and
the 413 any request body can get.
"""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api.schemas import ErrorBody

ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
FASTAPI_ERROR_SCHEMAS = ("HTTPValidationError", "ValidationError")
GUARDED = {
    "401": "Missing, malformed, expired or forged bearer token",
    "403": "The token's role may not do this",
    "503": "The identity provider's keys cannot be fetched right now; try again shortly",
}
INVALID = "The request does not fit: `detail` says why, `errors` names each field"


def install_openapi(app: FastAPI, max_body_bytes: int) -> None:
    """Make ``app`` serve the corrected document (built once, on first request)."""

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = corrected(doc, max_body_bytes)
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]


def corrected(doc: dict[str, Any], max_body_bytes: int) -> dict[str, Any]:
    """``doc`` with the API's own error body on every error response."""
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for name in FASTAPI_ERROR_SCHEMAS:
        schemas.pop(name, None)
    error_schema = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(error_schema.pop("$defs", {}))
    schemas["ErrorBody"] = error_schema
    for operations in doc.get("paths", {}).values():
        for operation in operations.values():
            _correct_operation(operation, max_body_bytes)
    return doc


def _correct_operation(operation: dict[str, Any], max_body_bytes: int) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    extra = {**(GUARDED if operation.get("security") else {})}
    if "requestBody" in operation:
        extra.setdefault("400", "The body cannot be parsed (not JSON, or not UTF-8)")
        extra["413"] = f"The request body is larger than {max_body_bytes // 1024} KiB"
    for status, description in extra.items():
        responses.setdefault(status, {"description": description})
    if "422" in responses and responses["422"].get("description") == "Validation Error":
        responses["422"]["description"] = INVALID
    for status, response in responses.items():
        if status[0] in "45":
            response["content"] = {"application/json": {"schema": ERROR_REF}}
