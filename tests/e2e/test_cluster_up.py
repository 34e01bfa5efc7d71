"""``pizzeria up --topology cluster`` in each mode: orders through both API replicas, one of each
piece SIGKILLed with orders in flight, every order delivered once, audit clean, a clean stop.

One stack per mode serves the module's tests, in order; the last one stops it
and checks that every process it started is gone. Clients spread their calls
over both API replicas and retry a failed call on the other one.
"""

import asyncio
import itertools
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from infra.ports import free_port
from tests.chaos.drill import Drill
from tests.chaos.fixtures import assert_audit_clean
from tests.chaos.shopper import GIVE_UP_SECONDS, ORDER, RETRY_SECONDS, Shopper
from tests.chaos.stack import UpStack
from tests.integration.nats_cluster import free_port_block

ORDERS = 10
KILLS = {
    "orchestration": ("worker", "API"),
    "choreography": ("NATS", "consumers", "relay", "API"),
}


class ClusterUp(UpStack):
    """``pizzeria up --topology cluster`` on free ports, its data in a directory nobody can reach
    into (PostgreSQL runs as ``nobody`` under root), removed at the end."""

    def __init__(self, mode: str) -> None:
        root = Path(tempfile.mkdtemp(prefix="pizzeria-cluster-"))
        root.chmod(0o711)
        super().__init__(root, mode)
        self.root, self.mode = root, mode
        self.api_port, postgres = free_port_block(2), free_port()
        self.database_url = f"postgresql+asyncpg://postgres@127.0.0.1:{postgres}/pizzeria"
        self.argv = [
            *(sys.executable, "-m", "cli", "up", "--topology", "cluster", "--mode", mode),
            *("--data-dir", str(self.data_dir), "--api-port", str(self.api_port)),
            *("--temporal-port", str(free_port()), "--ui-port", str(free_port())),
            *("--nats-port", str(free_port_block()), "--postgres-port", str(postgres)),
        ]
        self.started: list[psutil.Process] = []

    @property
    def urls(self) -> list[str]:
        """Both API replicas."""
        return [f"http://127.0.0.1:{self.api_port + n}" for n in range(2)]

    def ready(self) -> bool:
        """Both replicas answer GET /readyz with 200."""
        try:
            return all(httpx.get(f"{u}/readyz", timeout=2).status_code == 200 for u in self.urls)
        except httpx.HTTPError:
            return False

    def descendants(self) -> list[psutil.Process]:
        """Every process ``pizzeria up`` runs right now."""
        assert self.process is not None
        return psutil.Process(self.process.pid).children(recursive=True)

    def remove(self) -> None:
        """Delete the data directory."""
        shutil.rmtree(self.root, ignore_errors=True)


class FailoverShopper(Shopper):
    """The chaos suite's shopper over both API replicas: each try goes to the next replica."""

    def __init__(self, urls: list[str]) -> None:
        super().__init__(urls[0])
        self.clients = [httpx.AsyncClient(base_url=url, timeout=15) for url in urls]
        self._turns = itertools.cycle(self.clients)

    async def close(self) -> None:
        await super().close()
        for client in self.clients:
            await client.aclose()

    async def _until_ok(
        self, call: Callable[[], Awaitable[httpx.Response]], *accepted: int
    ) -> httpx.Response:
        deadline = time.monotonic() + GIVE_UP_SECONDS
        while True:
            self.http = next(self._turns)
            try:
                answer = await call()
                if answer.status_code < 300 or answer.status_code in accepted:
                    return answer
                assert answer.status_code == 404 or answer.status_code >= 500, answer.text
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "neither replica answered again"
            self.tally.retries += 1
            await asyncio.sleep(RETRY_SECONDS)


@pytest.fixture(scope="module", params=["orchestration", "choreography"])
def cluster(request: pytest.FixtureRequest) -> Iterator[ClusterUp]:
    stack = ClusterUp(request.param)
    try:
        stack.env = {**os.environ, "PIZZERIA_ENV": "dev"}
        stack.start()
        yield stack
    finally:
        stack.stop()
        stack.remove()


async def test_orders_placed_through_either_api_replica_are_confirmed(cluster) -> None:
    headers = {"Authorization": "Bearer dev-customer-token"}
    for url in cluster.urls:
        async with httpx.AsyncClient(base_url=url, timeout=15) as http:
            placed = await http.post("/orders", json=ORDER, headers=headers)
            assert placed.status_code == 202, placed.text
            order_id = placed.json()["order_id"]
    shopper = FailoverShopper(cluster.urls)
    try:
        assert await shopper.confirmed(order_id) == "CONFIRMED"
    finally:
        await shopper.close()


async def test_losing_one_of_each_piece_loses_and_repeats_nothing(cluster) -> None:
    kills = KILLS[cluster.mode]

    async def kill_each(drill: Drill) -> None:
        await asyncio.sleep(1.5)
        for name in kills:
            await drill.kill(name)

    drill = Drill(cluster, f"cluster {cluster.mode}: kill -9 of one of each", ORDERS)
    await drill.shopper.close()
    drill.shopper = FailoverShopper(cluster.urls)
    before = await _orders_listed(cluster)
    figures = await drill.run(kill_each)
    figures.duplicated -= before  # the earlier test's orders are not this drill's
    figures.lost = ORDERS + figures.kills - figures.ends.get("DELIVERED", 0)
    figures.show()

    assert figures.ends == {"DELIVERED": ORDERS + len(kills)}
    assert figures.duplicated == 0
    assert_audit_clean(cluster)


async def _orders_listed(cluster: ClusterUp) -> int:
    headers = {"Authorization": "Bearer dev-admin-token"}
    async with httpx.AsyncClient(base_url=cluster.urls[0], timeout=15) as http:
        answer = await http.get("/orders", params={"limit": 500}, headers=headers)
    return len(answer.json()["orders"])


def test_stops_cleanly_with_nothing_left_running(cluster) -> None:
    running = cluster.descendants()
    assert len(running) >= 8  # PostgreSQL, the broker or Temporal, two of each app piece

    assert cluster.stop() == 0, cluster.log()
    _, alive = psutil.wait_procs(running, timeout=10)
    assert alive == [], [p.cmdline() for p in alive]
