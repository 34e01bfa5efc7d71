"""Order metrics per UTC day, fed by events and idempotent by ``event_id``.

Each event is counted in the same transaction that records its id as
processed, so a redelivered event changes nothing. Revenue is kept in integer
cents: what an order counts is its confirmed total less its refunds, never
below zero, so a refund of a charge that was never confirmed (the kitchen
refused the order, or a cancel came first) takes nothing off, in whichever
order the two events arrive.
"""

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import Field, SQLModel, col

from domain.events import Event
from infra.database import insert_new, insert_once, lock_order, transaction
from services.messages import DailyMetrics, OrderMetrics
from services.sql import add_to_counters, money, time_column, utcnow

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


class OrderRevenueRow(SQLModel, table=True):
    """What one order brought in: its confirmed total and what was refunded of it."""

    __tablename__ = "analytics_order_revenue"

    order_id: str = Field(primary_key=True, max_length=64)
    confirmed_cents: int = 0
    refunded_cents: int = 0

    def counted(self) -> int:
        """The cents this order adds to revenue."""
        return max(self.confirmed_cents - self.refunded_cents, 0)


def changes(event: Event) -> dict[str, int]:
    """How an event moves the outcome counters (column → increment); revenue apart."""
    return {COUNTERS[event.type]: 1} if event.type in COUNTERS else {}


def money_moved(event: Event) -> dict[str, int]:
    """How an event changes its order's revenue row (column → cents added)."""
    if event.type == "OrderConfirmed":
        return {"confirmed_cents": _cents(event.total)}
    if event.type == "PaymentRefunded":
        return {"refunded_cents": _cents(event.amount)}
    return {}


class AnalyticsService:
    """Counts orders by outcome and sums revenue, per day."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def record(self, *events: Event) -> None:
        """Count each event once, however often it is delivered; one transaction for all."""
        async with transaction(self._sessions) as session:
            await count_events(session, events)

    async def metrics(self) -> OrderMetrics:
        """Totals over every day, with the days oldest first."""
        async with self._sessions() as session:
            query = select(DailyRow).order_by(col(DailyRow.day))
            days = [row.to_metrics() for row in (await session.execute(query)).scalars()]
        totals = {name: sum(getattr(day, name) for day in days) for name in FIELDS}
        revenue = sum((day.revenue for day in days), Decimal("0.00"))
        return OrderMetrics(revenue=revenue, days=days, **totals)


async def count_events(session: AsyncSession, events: Sequence[Event]) -> None:
    """Count the events this database has not counted yet, inside the caller's transaction.

    One statement marks the batch processed; each day's counters move once per batch.
    """
    # Orders locked in one sorted sweep: two batches sharing orders cannot deadlock.
    for order_id in sorted({e.order_id for e in events if money_moved(e)}):
        await lock_order(session, "analytics", order_id)
    now = utcnow()
    unique = {str(e.event_id): e for e in events}
    rows = [{"event_id": event_id, "processed_at": now} for event_id in unique]
    new = await insert_new(session, ProcessedEventRow, rows, "event_id")
    by_day: dict[str, Counter[str]] = defaultdict(Counter)
    for event_id, event in unique.items():
        if event_id in new:
            by_day[event.occurred_at.astimezone(UTC).date().isoformat()].update(
                await _delta(session, event)
            )
    for day, delta in by_day.items():
        await _add_to_day(session, day, {name: step for name, step in delta.items() if step})


async def _delta(session: AsyncSession, event: Event) -> dict[str, int]:
    delta = changes(event)
    revenue = await _revenue_change(session, event)
    return delta | {"revenue_cents": revenue} if revenue else delta


async def _add_to_day(session: AsyncSession, day: str, delta: dict[str, int]) -> None:
    if delta:
        await add_to_counters(session, DailyRow, {"day": day}, delta, ZEROS)


async def _revenue_change(session: AsyncSession, event: Event) -> int:
    """Apply the event to its order's revenue row; how much the order's counted cents moved."""
    moved = money_moved(event)
    if not moved:
        return 0
    await insert_once(session, OrderRevenueRow, {"order_id": event.order_id})
    query = select(OrderRevenueRow).where(col(OrderRevenueRow.order_id) == event.order_id)
    row = (await session.execute(query.execution_options(populate_existing=True))).scalar_one()
    before = row.counted()
    for name, cents in moved.items():
        setattr(row, name, getattr(row, name) + cents)
    return row.counted() - before
