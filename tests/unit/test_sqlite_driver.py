"""The one-hop aiosqlite adapter answers as the stock one does, in fewer thread hops."""

from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from infra.database import make_engine
from infra.sqlite_driver import OneHopConnection

METADATA = MetaData()
PIZZAS = Table(
    "pizzas",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(20), unique=True, nullable=False),
)


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(METADATA.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Every call queued for an aiosqlite connection's thread, by function name."""
    counted: Counter[str] = Counter()
    queue = aiosqlite.Connection._execute

    async def counting(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        counted[getattr(fn, "__name__", repr(fn))] += 1
        return await queue(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
    return counted


async def test_a_sqlite_file_engine_uses_the_one_hop_adapter(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        assert isinstance(raw.dbapi_connection, OneHopConnection)


async def test_rows_rowcount_and_lastrowid_come_back(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        first = await connection.execute(insert(PIZZAS).values(name="marinara"))
        await connection.execute(insert(PIZZAS), [{"name": "margherita"}, {"name": "diavola"}])
        renamed = await connection.execute(
            text("UPDATE pizzas SET name = upper(name) WHERE id > :id"), {"id": 1}
        )
        returned = await connection.execute(
            insert(PIZZAS).values(name="capricciosa").returning(PIZZAS.c.id)
        )

        assert first.inserted_primary_key == (1,)
        assert renamed.rowcount == 2
        assert returned.scalar_one() == 4
        rows = (await connection.execute(select(PIZZAS).order_by(PIZZAS.c.id))).all()
    assert [tuple(row) for row in rows] == [
        (1, "marinara"),
        (2, "MARGHERITA"),
        (3, "DIAVOLA"),
        (4, "capricciosa"),
    ]


async def test_errors_are_sqlalchemys_and_roll_the_transaction_back(engine: AsyncEngine) -> None:
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(insert(PIZZAS).values(name="marinara"))
            await connection.execute(insert(PIZZAS).values(name="marinara"))
    with pytest.raises(OperationalError, match="no such table"):
        async with engine.connect() as connection:
            await connection.execute(text("SELECT * FROM calzones"))

    async with engine.connect() as connection:
        assert (await connection.execute(select(PIZZAS))).all() == []


async def test_a_statement_is_one_hop_and_a_read_commits_nothing(
    engine: AsyncEngine, hops: Counter[str]
) -> None:
    async with engine.connect() as connection:  # the pool's connection, opened once
        await connection.execute(text("SELECT 1"))
    hops.clear()

    async with engine.begin() as connection:
        await connection.execute(select(PIZZAS))
        await connection.execute(select(PIZZAS.c.id))
    assert hops == {"_run": 2}

    hops.clear()
    async with engine.begin() as connection:
        await connection.execute(insert(PIZZAS).values(name="marinara"))
    assert hops == {"_run": 1, "commit": 1}


async def test_a_commit_is_durable_and_seen_by_another_connection(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    async with engine.begin() as connection:
        await connection.execute(insert(PIZZAS).values(name="marinara"))

    async with aiosqlite.connect(tmp_path / "driver.db") as other:
        rows = await other.execute_fetchall("SELECT name FROM pizzas")
    assert [tuple(row) for row in rows] == [("marinara",)]
