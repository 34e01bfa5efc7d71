"""The choreography's stack for the benchmark: NATS JetStream, relay, consumers, API.

Started with ``cli.choreo_up.start_choreography`` exactly as ``pizzeria up --mode
choreography`` starts it, on free loopback ports, in its own data directory
with a generously stocked SQLite database.
"""

import contextlib
import dataclasses
from collections.abc import AsyncIterator

import httpx

from benchmarks.runner import HTTP_TIMEOUT, Session
from benchmarks.session import seed_database
from benchmarks.stack import HOST
from cli.choreo_up import ChoreographyPlan, start_choreography
from cli.processes import Child, StartupFailed
from cli.stack import StackPlan
from infra.ports import free_ports
from infra.settings import Settings

ROLE = {"NATS": "server", "relay": "relay", "consumers": "consumers", "API": "api"}


@dataclasses.dataclass
class ChoreographyProcesses:
    """The choreography's children by role (NATS is the server)."""

    children: list[Child]

    def processes(self) -> dict[str, list[Child]]:
        """Every running process by role."""
        return {ROLE.get(c.name, c.name): [c] for c in self.children}

    def check_alive(self) -> None:
        """Fail with the log of any process that died."""
        for child in self.children:
            if not child.alive():
                raise StartupFailed(f"{child.name} stopped; its log says:\n{child.tail()}")


@contextlib.asynccontextmanager
async def choreography_session(
    orchestration: Session, http_connections: int, database_url: str | None = None
) -> AsyncIterator[Session]:
    """A choreography stack beside the orchestration one; the session's HTTP client points at it."""
    data_dir = orchestration.work_dir / "choreography"
    data_dir.mkdir(parents=True, exist_ok=True)
    temporal, ui, api, nats = free_ports(4)
    url = database_url or f"sqlite+aiosqlite:///{data_dir}/pizzeria.db"
    base = StackPlan(data_dir, url, HOST, temporal_port=temporal, ui_port=ui, api_port=api)
    plan = ChoreographyPlan(base, nats_port=nats)
    await seed_database(Settings(database_url=url))
    children: list[Child] = []
    try:
        await start_choreography(plan, children)
        limits = httpx.Limits(max_connections=http_connections)
        url = f"http://{HOST}:{api}"
        async with httpx.AsyncClient(base_url=url, timeout=HTTP_TIMEOUT, limits=limits) as client:
            group = ChoreographyProcesses(children)
            yield dataclasses.replace(orchestration, stack=group, http=client)
    finally:
        for child in reversed(children):
            child.stop()
