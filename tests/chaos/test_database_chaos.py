"""The database gone for longer than a step's retry bound, under orchestration on PostgreSQL.

PostgreSQL (not SQLite) because it can honestly go away and come back: the
server is stopped with ``pg_ctl stop`` and started again on the same data and
port, as a database restart or failover looks to its clients. A SQLite file
cannot be made unreachable to processes that hold it open without faking it.
"""

import asyncio
from collections.abc import Iterator

import pytest

from infra.embedded_postgres import EmbeddedPostgres
from tests.chaos.drill import Drill
from tests.chaos.fixtures import assert_audit_clean, running
from tests.chaos.stack import UpStack

# Longer than STEP_RETRY's bound (workflows/policies.py: 1+2+4+8 s over 5 attempts).
DATABASE_DOWN_SECONDS = 20.0


@pytest.fixture(scope="module")
def database() -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, database) -> Iterator[UpStack]:
    url = database.url(database.create_database())
    yield from running(tmp_path_factory.mktemp("database"), "orchestration", url)


@pytest.mark.postgres
async def test_postgres_down_past_the_retry_bound_leaves_every_order_whole(stack, database) -> None:
    async def outage(drill: Drill) -> None:
        await asyncio.sleep(1.5)
        await asyncio.to_thread(database.pause)
        await asyncio.sleep(DATABASE_DOWN_SECONDS)
        await asyncio.to_thread(database.resume)

    figures = await Drill(
        stack, "orchestration: PostgreSQL down 20 s", 10, ("DELIVERED", "REJECTED")
    ).run(outage)
    figures.show()

    assert figures.lost == 0

    assert figures.duplicated == 0
    assert_audit_clean(stack)
