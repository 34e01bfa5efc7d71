"""Order metrics per UTC day, fed by events and idempotent by ``event_id``.

Each event is counted in the same transaction that records its id as
processed, so a redelivered event changes nothing. Revenue is kept in integer
cents: confirmed totals in, refunds out.
"""

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import Field, SQLModel, col

from domain.events import Event
from infra.database import insert_once, transaction
from services.messages import DailyMetrics, OrderMetrics
from services.sql import money, table_of, time_column, utcnow

COUNTERS: dict[str, str] = {
    "OrderPlaced": "placed",
    "OrderConfirmed": "confirmed",
    "OrderDelivered": "delivered",
    "OrderCancelled": "cancelled",
    "OrderRejected": "rejected",
    "OrderDelayed": "delayed",
}
FIELDS = ("placed", "confirmed", "delivered", "cancelled", "rejected", "delayed")
ZEROS: dict[str, int] = dict.fromkeys((*FIELDS, "revenue_cents"), 0)


class ProcessedEventRow(SQLModel, table=True):
    """An event analytics has already counted."""

    __tablename__ = "analytics_processed_events"

    event_id: str = Field(primary_key=True, max_length=36)
    processed_at: datetime = Field(sa_column=time_column())


class DailyRow(SQLModel, table=True):
    """One UTC day's counters."""

    __tablename__ = "analytics_daily"

    day: str = Field(primary_key=True, max_length=10)
    placed: int = 0
    confirmed: int = 0
    delivered: int = 0
    cancelled: int = 0
    rejected: int = 0
    delayed: int = 0
    revenue_cents: int = 0

    def to_metrics(self) -> DailyMetrics:
        """The message form of this row."""
        counts = {name: getattr(self, name) for name in FIELDS}
        return DailyMetrics(day=self.day, revenue=_euros(self.revenue_cents), **counts)


def _euros(cents: int) -> Decimal:
    return money(Decimal(cents) / 100)


def _cents(amount: Decimal) -> int:
    return int(money(amount) * 100)


def changes(event: Event) -> dict[str, int]:
    """How an event moves the counters (column → increment)."""
    delta: dict[str, int] = {}
    if event.type in COUNTERS:
        delta[COUNTERS[event.type]] = 1
    if event.type == "OrderConfirmed":
        delta["revenue_cents"] = _cents(event.total)
    if event.type == "PaymentRefunded":
        delta["revenue_cents"] = -_cents(event.amount)
    return delta


class AnalyticsService:
    """Counts orders by outcome and sums revenue, per day."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def record(self, *events: Event) -> None:
        """Count each event once, however often it is delivered; one transaction for all."""
        async with transaction(self._sessions) as session:
            for event in events:
                await _count(session, event)

    async def metrics(self) -> OrderMetrics:
        """Totals over every day, with the days oldest first."""
        async with self._sessions() as session:
            query = select(DailyRow).order_by(col(DailyRow.day))
            days = [row.to_metrics() for row in (await session.execute(query)).scalars()]
        totals = {name: sum(getattr(day, name) for day in days) for name in FIELDS}
        revenue = sum((day.revenue for day in days), Decimal("0.00"))
        return OrderMetrics(revenue=revenue, days=days, **totals)


async def _count(session: AsyncSession, event: Event) -> None:
    delta = changes(event)
    day = event.occurred_at.astimezone(UTC).date().isoformat()
    processed = {"event_id": str(event.event_id), "processed_at": utcnow()}
    if not await insert_once(session, ProcessedEventRow, processed) or not delta:
        return
    await insert_once(session, DailyRow, {"day": day, **ZEROS})
    columns = table_of(DailyRow).c
    await session.execute(
        update(DailyRow)
        .where(col(DailyRow.day) == day)
        .values({name: columns[name] + step for name, step in delta.items()})
    )
