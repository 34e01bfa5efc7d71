"""What `pizzeria up --topology cluster` runs: three routed NATS nodes, two of each, PostgreSQL."""

from pathlib import Path

import pytest

from cli.cluster import ClusterPlan
from cli.stack import StackPlan
from infra import ports
from infra.settings import Settings


def plan(mode: str = "choreography") -> ClusterPlan:
    return ClusterPlan(StackPlan(Path("/data"), api_port=8000), mode, 4222, 5433)


def flag(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_each_nats_node_has_its_own_name_port_store_and_routes_to_the_other_two() -> None:
    nodes = [plan().nats_argv(n) for n in range(3)]
    assert [flag(a, "-n") for a in nodes] == ["nats-1", "nats-2", "nats-3"]
    assert [flag(a, "-p") for a in nodes] == ["4222", "4223", "4224"]
    assert len({flag(a, "-sd") for a in nodes}) == 3
    assert {flag(a, "--cluster_name") for a in nodes} == {"pizzeria"}
    for argv in nodes:
        own = flag(argv, "--cluster")
        routes = flag(argv, "--routes").split(",")
        assert own not in routes and len(routes) == 2


def test_every_process_is_given_all_three_nodes_three_replicas_and_postgresql() -> None:
    settings = Settings(_env_file=None, **_from(plan().environment()))
    assert settings.nats_server_urls() == [
        "nats://127.0.0.1:4222",
        "nats://127.0.0.1:4223",
        "nats://127.0.0.1:4224",
    ]
    assert settings.stream_replicas == 3
    assert settings.database_url == "postgresql+asyncpg://postgres@127.0.0.1:5433/pizzeria"


def test_two_api_replicas_listen_on_consecutive_ports() -> None:
    argv = [plan("orchestration").api_argv(n) for n in range(2)]
    assert [flag(a, "--port") for a in argv] == ["8000", "8001"]


def test_the_dev_servers_own_ports_are_none_a_piece_of_the_cluster_listens_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Chosen but not bound yet when the dev server starts, so free_port may offer each of them.
    not_bound_yet = [8001, 4222, 4223, 4224, 6222, 6223, 6224, 5433, 8000, 8233, 7233]
    offered = iter([*not_bound_yet, 40001, 40001, 40003])
    monkeypatch.setattr(ports, "free_port", lambda: next(offered))

    argv = plan("orchestration").temporal_argv()

    assert [flag(argv, "--http-port"), flag(argv, "--metrics-port")] == ["40001", "40003"]


def _from(env: dict[str, str]) -> dict[str, str]:
    keys = ("nats_servers", "stream_replicas", "database_url")
    return {key: env[f"PIZZERIA_{key.upper()}"] for key in keys}
