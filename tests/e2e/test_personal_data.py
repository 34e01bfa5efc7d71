"""No phone, email or address of a placed order is in clear in Temporal or in any log.

The real stack (``pizzeria up``: dev server, worker and API as processes, the
codec on) takes one order to the door and cancels another; then the raw history
bytes the server stores, the search attributes, the workflow ids and every log
the processes wrote are searched for the customer's personal data.
"""

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client

from infra.settings import Settings
from infra.temporal import connect
from tests.e2e.test_pizzeria_up import CUSTOMER, KITCHEN, Stack, deliver_one_order
from workflows.names import workflow_id

PERSONAL = {
    "name": "Zebedee Quint",
    "phone": "+39 055 987 6543",
    "email": "zebedee.quint@example.org",
    "address": "Vicolo dei Segreti 13",
}
ORDER = {
    "customer": {
        "id": "cust-42",  # the dev customer token acts for cust-42 only
        "name": PERSONAL["name"],
        "phone": PERSONAL["phone"],
        "email": PERSONAL["email"],
    },
    "items": [{"pizza": "margherita", "size": "small", "quantity": 1}],
    "delivery_address": PERSONAL["address"],
}


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """A stack of the test's own, killed if the test fails half-way."""
    stack = Stack(tmp_path)
    try:
        yield stack
    finally:
        stack.kill()


def leaks(blob: bytes) -> list[str]:
    """Which of the personal values ``blob`` holds in clear."""
    return [kind for kind, value in PERSONAL.items() if value.encode() in blob]


def cancel_one_order(http: httpx.Client) -> str:
    """Place an order and cancel it once confirmed (compensation and its notifications run)."""
    order_id: str = http.post("/orders", json=ORDER, headers=CUSTOMER).json()["order_id"]
    deadline = time.monotonic() + 30
    while http.get(f"/orders/{order_id}", headers=KITCHEN).json()["status"] != "CONFIRMED":
        assert time.monotonic() < deadline, "order never confirmed"
        time.sleep(0.1)
    cancelled = http.post(f"/orders/{order_id}/cancel", headers=CUSTOMER)
    assert cancelled.status_code == 200, cancelled.text
    return order_id


async def stored_by_temporal(client: Client, order_id: str) -> bytes:
    """The workflow id, raw history events and search attributes, as the server keeps them."""
    handle = client.get_workflow_handle(workflow_id(order_id))
    await handle.result()
    history = await handle.fetch_history()
    description = await handle.describe()
    return b"".join(
        [
            handle.id.encode(),
            *(event.SerializeToString() for event in history.events),
            description.raw_description.SerializeToString(),
        ]
    )


def test_no_personal_data_in_clear_in_temporal_or_the_logs(stack: Stack, tmp_path: Path) -> None:
    stack.start()
    with httpx.Client(base_url=stack.url, timeout=30) as http:
        orders = [deliver_one_order(http, ORDER), cancel_one_order(http)]
        view = http.get(f"/orders/{orders[0]}", headers=CUSTOMER).json()
    data_dir = tmp_path / "data"
    settings = Settings(_env_file=None, data_dir=data_dir, temporal_address=stack.temporal)

    async def everything_temporal_holds() -> list[bytes]:
        client = await connect(settings)
        return [await stored_by_temporal(client, order_id) for order_id in orders]

    stored = asyncio.run(everything_temporal_holds())
    assert stack.terminate() == 0

    assert view["status"] == "DELIVERED"
    for order_id, blob in zip(orders, stored, strict=True):
        assert leaks(blob) == [], f"order {order_id}: in clear in Temporal"
        assert b"cust-42" in blob  # the customer id is searchable: the check can see
    logs = [*sorted((data_dir / "logs").glob("*.log")), stack.log_path]
    assert {"worker.log", "api.log", "temporal.log"} <= {log.name for log in logs}
    assert b"worker polling" in (data_dir / "logs" / "worker.log").read_bytes()
    for log in logs:
        assert leaks(log.read_bytes()) == [], f"{log.name} holds personal data"
