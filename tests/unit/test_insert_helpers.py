"""``insert_once`` and ``insert_new``: a key is written once, and the statements are cached."""

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.engine import default
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col

from infra.database import insert_new, insert_once, transaction
from services.analytics import ProcessedEventRow

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def processed(*event_ids: str) -> list[dict[str, Any]]:
    return [{"event_id": event_id, "processed_at": NOW} for event_id in event_ids]


async def test_insert_new_writes_and_names_only_the_keys_not_there_yet(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with transaction(sessions) as session:
        assert await insert_new(session, ProcessedEventRow, processed("a", "b"), "event_id") == {
            "a",
            "b",
        }
        assert await insert_once(session, ProcessedEventRow, processed("c")[0])
    async with transaction(sessions) as session:
        again = await insert_new(session, ProcessedEventRow, processed("b", "c", "d"), "event_id")
        assert again == {"d"}
        assert await insert_new(session, ProcessedEventRow, [], "event_id") == set()
        assert not await insert_once(session, ProcessedEventRow, processed("a")[0])

    async with sessions() as session:
        stored = await session.execute(select(col(ProcessedEventRow.event_id)))
        assert sorted(stored.scalars()) == ["a", "b", "c", "d"]


async def test_insert_new_is_compiled_once_whatever_the_number_of_rows(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    caching: Counter[object] = Counter()

    def seen(
        _conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool
    ) -> None:
        if statement.startswith("INSERT INTO analytics_processed_events"):
            caching[context.cache_hit] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        for batch in (("a",), ("b", "c"), ("d", "e", "f"), ("g",), ("h", "i")):
            async with transaction(sessions) as session:
                await insert_new(session, ProcessedEventRow, processed(*batch), "event_id")
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)

    # Rows inlined with .values(rows) had no cache key: compiled anew on every call.
    print(dict(caching))
    assert caching[default.NO_CACHE_KEY] == 0
    assert caching[default.CACHE_HIT] >= 3
