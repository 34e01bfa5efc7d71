"""Portable SQL helpers the services share: the same statements run on SQLite and PostgreSQL."""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    CursorResult,
    DateTime,
    Integer,
    Numeric,
    Result,
    Table,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from infra.database import conflict_insert

CENT = Decimal("0.01")


def utcnow() -> datetime:
    """The current time in UTC, timezone-aware."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands datetimes back naive; every stored time is UTC, so say so."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def money(amount: Decimal) -> Decimal:
    """Euros with exactly two decimals."""
    return amount.quantize(CENT)


def table_of(model: type[SQLModel]) -> Table:
    """The Core table behind a SQLModel class."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def json_column(nullable: bool = False) -> Any:
    """A JSON column (JSONB-free so it works on both databases)."""
    return Column(JSON, nullable=nullable)


def money_column() -> Any:
    """A money column: exact decimals with two places."""
    return Column(Numeric(10, 2), nullable=False)


def time_column(nullable: bool = False, index: bool = False) -> Any:
    """A timezone-aware timestamp column."""
    return Column(DateTime(timezone=True), nullable=nullable, index=index)


def sequence_column() -> Any:
    """An autoincrementing 64-bit key; SQLite only autoincrements an INTEGER primary key."""
    return Column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )


async def upsert(
    session: AsyncSession,
    model: type[SQLModel],
    values: Mapping[str, Any],
    key: Sequence[str],
    unless_newer: str | None = None,
) -> None:
    """Insert a row, or overwrite the non-key columns of the row that holds ``key``.

    With ``unless_newer`` naming a version column, a stored row whose version is
    higher than the new one is left as it is.
    """
    table = table_of(model)
    statement = conflict_insert(session, table).values(**values)
    changes = {name: statement.excluded[name] for name in values if name not in key}
    only_if = None
    if unless_newer is not None:
        only_if = table.c[unless_newer] <= statement.excluded[unless_newer]
    await session.execute(
        statement.on_conflict_do_update(index_elements=key, set_=changes, where=only_if)
    )


async def add_to_counters(
    session: AsyncSession,
    model: type[SQLModel],
    key: Mapping[str, Any],
    steps: Mapping[str, int],
    zeros: Mapping[str, int],
) -> None:
    """Add ``steps`` to the counters of the row at ``key``, a new row starting from
    ``zeros``: one atomic statement instead of an insert-if-missing and an update."""
    table = table_of(model)
    statement = conflict_insert(session, table).values({**key, **zeros, **steps})
    sums = {name: table.c[name] + statement.excluded[name] for name in steps}
    await session.execute(statement.on_conflict_do_update(index_elements=list(key), set_=sums))


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE touched."""
    return cast(CursorResult[Any], result).rowcount
