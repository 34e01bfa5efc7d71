"""What changed in the orders view since a moment: one cheap indexed read per call.

The cursor is ``orders_view.updated_at`` as integer microseconds since the
epoch (indexed), the only order-independent clock every writer of the view
shares. Writers commit out of order (a transaction stamped earlier can commit
later), so ``ChangeFeed`` reads a little behind its watermark and drops what it
has seen; ``since`` only answers the question.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from domain.order import OrderStatus
from services.orders import OrderViewRow
from services.sql import as_utc

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
BATCH = 500


@dataclass(frozen=True)
class Change:
    """An order's view row was written: who it belongs to, its status, and when (``version``)."""

    order_id: str
    status: OrderStatus
    customer_id: str
    version: int


def version_of(moment: datetime) -> int:
    """``moment`` as the feed's cursor: microseconds since the epoch."""
    return (as_utc(moment) - EPOCH) // timedelta(microseconds=1)


def moment_of(version: int) -> datetime:
    """The inverse of ``version_of``."""
    return EPOCH + timedelta(microseconds=version)


class OrderChanges:
    """Reads the orders view by its ``updated_at`` column."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def since(self, version: int, limit: int = BATCH) -> list[Change]:
        """Rows written after ``version``, oldest first, at most ``limit``."""
        stamp = col(OrderViewRow.updated_at)
        columns = (
            col(OrderViewRow.order_id),
            col(OrderViewRow.status),
            col(OrderViewRow.customer_id),
        )
        query = (
            select(*columns, stamp).where(stamp > moment_of(version)).order_by(stamp).limit(limit)
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return [Change(row[0], OrderStatus(row[1]), row[2], version_of(row[3])) for row in rows]

    async def latest(self) -> int:
        """The newest version in the view (0 when it is empty)."""
        async with self._sessions() as session:
            newest = (await session.execute(select(func.max(OrderViewRow.updated_at)))).scalar()
        return version_of(newest) if newest is not None else 0
