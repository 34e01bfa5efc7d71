"""A SQLite file's engine lets one transaction of the process run at a time.

SQLite takes one writer at a time; a second connection of the same process would wait
for the lock inside SQLite's busy handler (sleeps of up to 100 ms, the event loop none
the wiser). With one connection the second transaction waits in the event loop for the
first to end, and then sees what it committed.
"""

import asyncio
from pathlib import Path

from sqlalchemy import text

from infra.database import make_engine, make_session_factory, transaction


async def test_a_second_transaction_waits_for_the_first_and_sees_its_write(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'one.db'}")
    sessions = make_session_factory(engine)
    try:
        async with transaction(sessions) as session:
            await session.execute(text("CREATE TABLE pies (name TEXT)"))
        first_wrote, release = asyncio.Event(), asyncio.Event()

        async def first() -> None:
            async with transaction(sessions) as session:
                await session.execute(text("INSERT INTO pies VALUES ('margherita')"))
                first_wrote.set()
                await release.wait()

        async def second() -> int:
            async with sessions() as session:
                return int((await session.execute(text("SELECT count(*) FROM pies"))).scalar_one())

        writer = asyncio.create_task(first())
        await first_wrote.wait()
        reader = asyncio.create_task(second())
        await asyncio.sleep(0.2)  # room for the reader to run, if it could
        assert not reader.done(), "a second connection read while the first transaction was open"
        release.set()
        await writer
        assert await reader == 1
    finally:
        await engine.dispose()
