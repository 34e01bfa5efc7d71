"""``pizzeria up`` end to end: one command brings the stack up, SIGTERM takes all of it down."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from infra.ports import free_ports

REPO = Path(__file__).resolve().parents[2]
READY_SECONDS = 90.0
CUSTOMER = {"Authorization": "Bearer dev-customer-token"}
KITCHEN = {"Authorization": "Bearer dev-kitchen-token"}
DRIVER = {"Authorization": "Bearer dev-driver-token"}
ORDER = {
    "customer": {
        "id": "cust-42",
        "name": "Peach",
        "phone": "+39 055 765 4321",
        "email": "p@ex.com",
    },
    "items": [{"pizza": "margherita", "size": "medium", "quantity": 1}],
    "delivery_address": "Castle Road 1",
}


def pizzeria(*args: str) -> list[str]:
    """The ``pizzeria`` command line, run with this interpreter."""
    return [sys.executable, "-m", "cli", *args]


class Stack:
    """``pizzeria up`` on fixed free ports and one data directory; can be started again."""

    def __init__(self, tmp_path: Path) -> None:
        temporal, ui, self.api_port = free_ports(3)
        self.temporal = f"127.0.0.1:{temporal}"
        self.argv = pizzeria(
            *("up", "--temporal-port", str(temporal), "--ui-port", str(ui)),
            *("--api-port", str(self.api_port), "--data-dir", str(tmp_path / "data")),
        )
        self.log_path = tmp_path / "up.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The API's base URL."""
        return f"http://127.0.0.1:{self.api_port}"

    def start(self) -> list[psutil.Process]:
        """Start and wait for /readyz; the child processes it runs."""
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(self.argv, cwd=REPO, stdout=log, stderr=log)
        deadline = time.monotonic() + READY_SECONDS
        while not self._ready():
            assert self.process.poll() is None, self.log_path.read_text()
            assert time.monotonic() < deadline, f"not ready within {READY_SECONDS}s"
            time.sleep(0.2)
        return psutil.Process(self.process.pid).children(recursive=True)

    def terminate(self) -> int:
        """SIGTERM and the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)

    def kill(self) -> None:
        """Kill whatever is left (the children follow their parent)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def _ready(self) -> bool:
        try:
            return httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """A stack of the test's own, killed if the test fails half-way."""
    stack = Stack(tmp_path)
    try:
        yield stack
    finally:
        stack.kill()


def deliver_one_order(http: httpx.Client, order: dict[str, Any] = ORDER) -> str:
    """Place an order and take it through kitchen and driver; its id."""
    placed = http.post("/orders", json=order, headers=CUSTOMER)
    assert placed.status_code == 202
    order_id: str = placed.json()["order_id"]
    deadline = time.monotonic() + 30
    while http.get(f"/orders/{order_id}", headers=KITCHEN).json()["status"] != "CONFIRMED":
        assert time.monotonic() < deadline, "order never confirmed"
        time.sleep(0.1)
    for path, token in (
        (f"/kitchen/orders/{order_id}/start", KITCHEN),
        (f"/kitchen/orders/{order_id}/ready", KITCHEN),
        (f"/delivery/orders/{order_id}/pickup", DRIVER),
        (f"/delivery/orders/{order_id}/delivered", DRIVER),
    ):
        assert http.post(path, headers=token).status_code == 200
    return order_id


def printed_token(log: Path, role: str) -> str:
    """The JWT ``pizzeria up`` printed for ``role`` (it prints once everything is ready)."""
    pattern = re.compile(rf"^{role} token \(\S+\): dev-{role}-token or (\S+)$", re.MULTILINE)
    deadline = time.monotonic() + 10
    while (found := pattern.search(log.read_text())) is None:
        assert time.monotonic() < deadline, f"no {role} token printed:\n{log.read_text()}"
        time.sleep(0.1)
    return found.group(1)


def test_up_serves_orders_stops_cleanly_and_keeps_state_across_restarts(stack) -> None:
    children = stack.start()
    assert len(children) >= 3  # Temporal, worker, API

    with httpx.Client(base_url=stack.url, timeout=30) as http:
        order_id = deliver_one_order(http)
        as_printed = {"Authorization": f"Bearer {printed_token(stack.log_path, 'customer')}"}
        assert http.get(f"/orders/{order_id}", headers=as_printed).status_code == 200
    demo = subprocess.run(
        pizzeria("demo", "--orders", "2", "--sms-outage-seconds", "0.5", "--api", stack.url),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "Final state of every order" in demo.stdout
    assert f"{stack.url}/kitchen" in demo.stdout  # the boards, to watch the evening live
    assert "SMS provider is back" in demo.stdout  # the outage ends during the evening ...
    assert "pending" not in demo.stdout.split("Final state of every order")[1]  # ... texts went

    assert stack.terminate() == 0
    _, alive = psutil.wait_procs(children, timeout=10)
    assert alive == []

    restarted = stack.start()
    with httpx.Client(base_url=stack.url, timeout=30) as http:
        order = http.get(f"/orders/{order_id}", headers=KITCHEN).json()
    assert order["status"] == "DELIVERED"
    assert stack.terminate() == 0
    _, alive = psutil.wait_procs(restarted, timeout=10)
    assert alive == []


def test_up_refuses_a_taken_port_and_says_which(tmp_path: Path) -> None:
    temporal, ui = free_ports(2)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        argv = pizzeria(
            *("up", "--temporal-port", str(temporal), "--ui-port", str(ui)),
            *("--api-port", str(taken), "--data-dir", str(tmp_path)),
        )
        result = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=60)

    assert result.returncode == 1
    assert f"port {taken} (HTTP API) is already in use" in result.stdout
    assert "--api-port" in result.stdout
    assert not (tmp_path / "temporal.db").exists()


def test_api_refuses_to_start_in_production_with_dev_tokens() -> None:
    env = {**os.environ, "PIZZERIA_ENV": "production", "PIZZERIA_DEV_TOKENS": "true"}

    result = subprocess.run(
        pizzeria("api", "--port", str(free_ports(1)[0])),
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 2
    assert "the dev tokens are enabled" in result.stderr
