"""Schemathesis against the live API: for every operation, generated requests as a customer and
as an admin get no 5xx, and every answer fits the OpenAPI document (status, headers, body).

The API runs under uvicorn on 127.0.0.1 with a database and a Temporal namespace of its own,
so the orders and faults it is fed never touch the session's other tests.
"""

import threading
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import schemathesis
import uvicorn
from google.protobuf.duration_pb2 import Duration
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from temporalio.api.workflowservice.v1 import RegisterNamespaceRequest

from api.app import create_app
from infra.ports import free_ports
from infra.settings import Settings
from tests.support import register_search_attributes

EXAMPLES_PER_OPERATION = 12
TOKENS = {"customer": "dev-customer-token", "admin": "dev-admin-token"}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
async def live_api(
    stack_settings: Settings, temporal_client, tmp_path_factory
) -> AsyncIterator[str]:
    """The API under uvicorn in a thread of its own; its base URL."""
    namespace = f"fuzz-{uuid.uuid4().hex[:8]}"
    await temporal_client.workflow_service.register_namespace(
        RegisterNamespaceRequest(
            namespace=namespace, workflow_execution_retention_period=Duration(seconds=86400)
        )
    )
    await register_search_attributes(temporal_client, namespace)
    data_dir: Path = tmp_path_factory.mktemp("fuzz")
    fuzz_settings = stack_settings.model_copy(
        update={
            "data_dir": data_dir,
            "database_url": f"sqlite+aiosqlite:///{data_dir / 'pizzeria.db'}",
            "temporal_namespace": namespace,
        }
    )
    port = free_ports(1)[0]
    config = uvicorn.Config(
        create_app(fuzz_settings), host="127.0.0.1", port=port, log_level="error"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(url)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _wait_until_serving(url: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "the fuzzed API never became ready"
        time.sleep(0.1)


# The document the live app serves, built from the same code: no key, runtime or network needed.
DOCUMENT = create_app(
    Settings(_env_file=None, env="test", auth_jwks_url="http://127.0.0.1:9/unused")
).openapi()
schema = schemathesis.openapi.from_dict(DOCUMENT)


def test_the_fuzzed_document_is_the_one_the_live_api_serves(live_api: str) -> None:
    assert httpx.get(f"{live_api}/openapi.json").json() == DOCUMENT


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_request_gets_a_5xx_or_an_answer_outside_the_schema(case, live_api) -> None:
    for token in TOKENS.values():
        case.call_and_validate(
            base_url=live_api,
            headers={"Authorization": f"Bearer {token}"},
            checks=CHECKS,
            timeout=40,  # a generated ?wait_for= may hold its answer up to 30 s, as documented
        )
