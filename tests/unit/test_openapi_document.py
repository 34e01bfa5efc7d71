"""The OpenAPI document describes the errors the API really sends and how to authenticate."""

from pathlib import Path
from typing import Any

import pytest

from api.app import create_app
from tests.api_harness import settings_for


@pytest.fixture
def document(tmp_path: Path) -> dict[str, Any]:
    return create_app(settings_for(tmp_path)).openapi()


def operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


def test_every_error_response_is_the_apis_own_error_body(document) -> None:
    errors = [
        (name, status, response)
        for name, operation in operations(document)
        for status, response in operation["responses"].items()
        if status[0] in "45"
    ]

    assert errors
    for name, status, response in errors:
        schema = response["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (name, status)
    assert "HTTPValidationError" not in document["components"]["schemas"]
    body = document["components"]["schemas"]["ErrorBody"]
    assert set(body["properties"]) == {"detail", "errors"}
    assert body["required"] == ["detail"]


def test_the_security_scheme_is_a_bearer_jwt(document) -> None:
    schemes = document["components"]["securitySchemes"]

    assert schemes == {
        "HTTPBearer": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": schemes["HTTPBearer"]["description"],
        }
    }


def test_guarded_operations_document_401_403_and_503_and_public_ones_do_not(document) -> None:
    for name, operation in operations(document):
        guarded = {"401", "403", "503"} <= set(operation["responses"])
        assert guarded == bool(operation.get("security")), name
    public = {name for name, operation in operations(document) if not operation.get("security")}
    assert public == {"GET /menu", "GET /healthz", "GET /readyz"}


def test_every_operation_with_a_body_documents_413(document) -> None:
    for name, operation in operations(document):
        if "requestBody" in operation:
            assert "413" in operation["responses"], name
