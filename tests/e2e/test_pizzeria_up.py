"""``pizzeria up`` end to end: one command brings the stack up, SIGTERM takes all of it down."""

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

REPO = Path(__file__).resolve().parents[2]
READY_SECONDS = 90.0
CUSTOMER = {"Authorization": "Bearer dev-customer-token"}
KITCHEN = {"Authorization": "Bearer dev-kitchen-token"}
DRIVER = {"Authorization": "Bearer dev-driver-token"}
ORDER = {
    "customer": {
        "id": "e2e",
        "name": "Peach",
        "phone": "+39 055 765 4321",
        "email": "p@example.com",
    },
    "items": [{"pizza": "margherita", "size": "medium", "quantity": 1}],
    "delivery_address": "Castle Road 1",
}


def free_ports(count: int) -> list[int]:
    """Ports nothing listens on right now (held open together so they differ)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``pizzeria up`` on free ports with its own data directory; killed if the test fails."""
    temporal, ui, api = free_ports(3)
    argv = [
        sys.executable,
        "-m",
        "cli",
        "up",
        "--temporal-port",
        str(temporal),
        "--ui-port",
        str(ui),
        "--api-port",
        str(api),
        "--data-dir",
        str(tmp_path / "data"),
    ]
    log = (tmp_path / "up.log").open("wb")
    process = subprocess.Popen(argv, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process, f"http://127.0.0.1:{api}"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()


def wait_ready(process: subprocess.Popen[bytes], url: str) -> None:
    """Poll /readyz until it answers 200."""
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, "pizzeria up exited before it was ready"
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"pizzeria up not ready within {READY_SECONDS}s")


def wait_status(http: httpx.Client, order_id: str, status: str) -> None:
    """Poll the order until it has ``status``."""
    deadline = time.monotonic() + 30
    while http.get(f"/orders/{order_id}", headers=KITCHEN).json()["status"] != status:
        assert time.monotonic() < deadline, f"order never became {status}"
        time.sleep(0.1)


def test_up_serves_a_whole_order_and_sigterm_leaves_no_process_behind(stack) -> None:
    process, url = stack
    wait_ready(process, url)
    children = psutil.Process(process.pid).children(recursive=True)
    assert len(children) >= 3  # Temporal, worker, API

    with httpx.Client(base_url=url, timeout=30) as http:
        placed = http.post("/orders", json=ORDER, headers=CUSTOMER)
        assert placed.status_code == 202
        order_id = placed.json()["order_id"]
        wait_status(http, order_id, "CONFIRMED")
        for path, token in (
            ("kitchen/orders/{}/start", KITCHEN),
            ("kitchen/orders/{}/ready", KITCHEN),
            ("delivery/orders/{}/pickup", DRIVER),
            ("delivery/orders/{}/delivered", DRIVER),
        ):
            assert http.post("/" + path.format(order_id), headers=token).status_code == 200
        assert http.get(f"/orders/{order_id}", headers=KITCHEN).json()["status"] == "DELIVERED"

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    _, alive = psutil.wait_procs(children, timeout=10)
    assert alive == []


def test_up_refuses_a_taken_port_and_says_which(tmp_path: Path) -> None:
    temporal, ui = free_ports(2)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        argv = [
            sys.executable,
            "-m",
            "cli",
            "up",
            "--temporal-port",
            str(temporal),
            "--ui-port",
            str(ui),
            "--api-port",
            str(taken),
            "--data-dir",
            str(tmp_path),
        ]
        result = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=60)

    assert result.returncode == 1
    assert f"port {taken} (HTTP API) is already in use" in result.stdout
    assert "--api-port" in result.stdout
    assert not (tmp_path / "temporal.db").exists()
