"""A real three-node JetStream cluster, started from ``pizzeria up``'s own plan (``cli.cluster``).

Each node is a ``nats-server`` child on 127.0.0.1 with its own store under the
test's directory; ``kill`` and ``restart`` let a test lose a node and bring it
back. Every node is always stopped.
"""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import nats

from choreography.names import EVENTS_STREAM
from cli.cluster import NODES, ROUTE_OFFSET, ClusterPlan
from cli.processes import Child
from cli.stack import StackPlan
from infra.ports import EPHEMERAL_START, free_port, is_free

READY_SECONDS = 60.0


def free_port_block(count: int = NODES) -> int:
    """A first port such that it and the next ``count - 1``, and their routes, are free."""
    while True:
        base = free_port()
        wanted = [p for n in range(count) for p in (base + n, base + n + ROUTE_OFFSET)]
        # All of them below the ephemeral range too (see infra.ports).
        if max(wanted) < EPHEMERAL_START and all(is_free(port) for port in wanted):
            return base


@dataclass
class NatsCluster:
    """Three running nodes and the plan that started them."""

    plan: ClusterPlan
    nodes: list[Child]

    @property
    def urls(self) -> list[str]:
        """Every node's client URL."""
        return self.plan.nats_urls()

    def kill(self, node: int) -> None:
        """SIGKILL node ``node`` (0-based) and wait until it is gone."""
        self.nodes[node].process.kill()
        self.nodes[node].process.wait()

    def restart(self, node: int) -> None:
        """Start node ``node`` again on its own store."""
        self.nodes[node] = self.nodes[node].restart()

    def node_named(self, server_name: str) -> int:
        """The index of the node whose ``server_name`` is ``nats-<n>``."""
        return int(server_name.removeprefix("nats-")) - 1

    async def stream_leader(self, stream: str = EVENTS_STREAM) -> str:
        """The server name of the stream's current leader (waits for an election)."""
        async with asyncio.timeout(READY_SECONDS):
            while True:
                info = await self._stream_info(stream)
                if info is not None and info.cluster is not None and info.cluster.leader:
                    return info.cluster.leader
                await asyncio.sleep(0.1)

    async def _stream_info(self, stream: str):  # type: ignore[no-untyped-def]
        client = await nats.connect(self.urls, connect_timeout=1, max_reconnect_attempts=1)
        try:
            return await client.jetstream().stream_info(stream)
        except Exception:  # no leader right now
            return None
        finally:
            await client.close()


@asynccontextmanager
async def nats_cluster(data_dir: Path) -> AsyncIterator[NatsCluster]:
    """Three nodes routed into one cluster, ready once JetStream has a meta leader."""
    plan = ClusterPlan(StackPlan(data_dir), "choreography", nats_port=free_port_block())
    nodes: list[Child] = []
    cluster = NatsCluster(plan, nodes)
    try:
        for node in range(NODES):
            log = data_dir / "logs" / f"nats-{node + 1}.log"
            nodes.append(Child.start(f"NATS-{node + 1}", plan.nats_argv(node), {}, log))
        await _until_jetstream(plan.nats_urls())
        yield cluster
    finally:
        for child in cluster.nodes:
            child.stop(timeout=5)


async def _until_jetstream(urls: list[str]) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        try:
            client = await nats.connect(urls, connect_timeout=1, max_reconnect_attempts=0)
        except Exception:  # not listening yet
            await asyncio.sleep(0.2)
            continue
        try:
            await client.jetstream().account_info()
            return
        except Exception:  # no meta leader yet
            await asyncio.sleep(0.2)
        finally:
            await client.close()
    raise RuntimeError(f"the NATS cluster elected no JetStream leader in {READY_SECONDS:g}s")
