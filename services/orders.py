"""The orders read model: an append-only event log per order and a view of each order's state.

``record`` appends events (once each, by ``event_id``) and replaces the view
in one transaction, so the view never runs ahead of or behind its log; the
order's contact (``services.contacts``) is stored in that transaction too. A
write whose ``version`` is older than the stored view's leaves the view alone.
``get`` reads view and log in one statement, so it sees them as of one moment. Stored
payloads are decoded through the event codec, so registered upcasters turn old
versions into current events on the way out.
"""

import builtins
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import Field, SQLModel, col

from domain.event_codec import ENVELOPE_FIELDS, decode, encode, upcast
from domain.events import Event
from domain.order import OrderStatus
from infra import metrics
from infra.database import insert_new, transaction
from services.contacts import contact_in_v1_placed, load_contact, save_contact
from services.messages import OrderSnapshot, OrderView, RecordEvents, TimelineEntry
from services.sql import (
    as_utc,
    json_column,
    money_column,
    sequence_column,
    time_column,
    upsert,
    utcnow,
)

MAX_LIST = 500


class EventLogRow(SQLModel, table=True):
    """One event of one order, in the order it was recorded."""

    __tablename__ = "orders_event_log"

    seq: int | None = Field(default=None, sa_column=sequence_column())
    event_id: str = Field(unique=True, max_length=36)
    order_id: str = Field(index=True, max_length=64)
    type: str = Field(max_length=64)
    occurred_at: datetime = Field(sa_column=time_column())
    payload: dict[str, Any] = Field(sa_column=json_column())


class OrderViewRow(SQLModel, table=True):
    """The latest snapshot of one order."""

    __tablename__ = "orders_view"

    order_id: str = Field(primary_key=True, max_length=64)
    status: str = Field(index=True, max_length=32)
    customer_id: str = Field(index=True, max_length=64)
    total: Decimal = Field(sa_column=money_column())
    items: list[dict[str, Any]] = Field(sa_column=json_column())
    compensations: list[dict[str, Any]] = Field(sa_column=json_column())
    # True while an undo is past its retry bound and waits for a person.
    needs_attention: bool = Field(default=False, index=True)
    updated_at: datetime = Field(sa_column=time_column(index=True))
    version: int = 0

    def to_snapshot(self) -> OrderSnapshot:
        """The message form of this row."""
        return OrderSnapshot.model_validate(self.model_dump(exclude={"updated_at", "version"}))


def _log_row(event: Event) -> dict[str, Any]:
    return {
        "event_id": str(event.event_id),
        "order_id": event.order_id,
        "type": event.type,
        "occurred_at": event.occurred_at,
        "payload": encode(event),
    }


def _view_row(req: RecordEvents) -> dict[str, Any]:
    values = req.snapshot.model_dump(mode="json", exclude={"total"})
    return {**values, "total": req.snapshot.total, "updated_at": utcnow(), "version": req.version}


@dataclass(frozen=True)
class Recorded:
    """What one record newly wrote, for the business metrics counted once it committed."""

    fresh: list[Event]
    starts: dict[str, datetime]
    news: metrics.ViewNews


async def write_record(session: AsyncSession, req: RecordEvents) -> Recorded:
    """``OrderReadModel.record`` inside the caller's transaction: one statement for the log."""
    rows = [_log_row(event) for event in req.events]
    written = await insert_new(session, EventLogRow, rows, "event_id")
    fresh = [e for e in req.events if str(e.event_id) in written]
    starts = await _stage_starts(session, req.snapshot.order_id, fresh)
    news = await _view_news(session, req.snapshot)
    if req.contact is not None:
        await save_contact(session, req.snapshot.order_id, req.contact)
    await upsert(session, OrderViewRow, _view_row(req), ["order_id"], "version")
    return Recorded(fresh, starts, news)


def count_recorded(recorded: Recorded) -> None:
    """Count in the business metrics only what a committed record newly wrote, so a
    retried or replayed call counts nothing twice."""
    for event in recorded.fresh:
        metrics.count_recorded(event, recorded.starts)
    metrics.count_view_news(recorded.news)


def timeline_entry(payload: dict[str, Any]) -> TimelineEntry:
    """An encoded event (``event_codec.encode``) as a timeline line, upcast to now."""
    current = upcast(dict(payload))
    data = {key: value for key, value in current.items() if key not in ENVELOPE_FIELDS}
    return TimelineEntry(
        type=current["type"],
        occurred_at=current["occurred_at"],
        event_id=str(current["event_id"]),
        data=data,
    )


class OrderReadModel:
    """Writes and reads the event log and the orders view."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def record(self, req: RecordEvents) -> None:
        """Append each new event once and store the snapshot, in one transaction.

        Only what this call newly wrote is counted in the business metrics, so a
        retried or replayed call counts nothing twice.
        """
        async with transaction(self._sessions) as session:
            recorded = await write_record(session, req)
        count_recorded(recorded)

    async def get(self, order_id: str) -> OrderView | None:
        """The order with its contact and its timeline as of one moment, or None when unknown."""
        query = (
            select(OrderViewRow, EventLogRow)
            .outerjoin(EventLogRow, col(EventLogRow.order_id) == col(OrderViewRow.order_id))
            .where(col(OrderViewRow.order_id) == order_id)
            .order_by(col(EventLogRow.seq))
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
            contact = await load_contact(session, order_id) if rows else None
        if not rows:
            return None
        view = rows[0][0]
        return OrderView(
            **view.to_snapshot().model_dump(),
            contact=contact or contact_in_v1_placed(log.payload for _, log in rows if log),
            timeline=[timeline_entry(log.payload) for _, log in rows if log is not None],
            updated_at=as_utc(view.updated_at),
            version=view.version,
        )

    async def events(self, order_id: str) -> builtins.list[Event]:
        """The order's events in recorded order, upcast to the current versions."""
        async with self._sessions() as session:
            rows = await self._log(session, order_id)
        return [decode(row.payload) for row in rows]

    async def exists(self, order_id: str) -> bool:
        """Whether the read model knows the order."""
        async with self._sessions() as session:
            return await session.get(OrderViewRow, order_id) is not None

    async def list(
        self,
        status: OrderStatus | None = None,
        limit: int = 50,
        customer_id: str | None = None,
        needs_attention: bool | None = None,
    ) -> builtins.list[OrderSnapshot]:
        """Orders, most recently updated first, optionally only those in ``status``, of one
        customer, or flagged (True) or not flagged (False) for a person."""
        if not 1 <= limit <= MAX_LIST:
            raise ValueError(f"limit must be between 1 and {MAX_LIST}, got {limit}")
        query = select(OrderViewRow).order_by(
            col(OrderViewRow.updated_at).desc(), col(OrderViewRow.order_id)
        )
        if status is not None:
            query = query.where(col(OrderViewRow.status) == status.value)
        if customer_id is not None:
            query = query.where(col(OrderViewRow.customer_id) == customer_id)
        if needs_attention is not None:
            query = query.where(col(OrderViewRow.needs_attention) == needs_attention)
        async with self._sessions() as session:
            rows = (await session.execute(query.limit(limit))).scalars().all()
        return [row.to_snapshot() for row in rows]

    @staticmethod
    async def _log(session: AsyncSession, order_id: str) -> builtins.list[EventLogRow]:
        query = (
            select(EventLogRow)
            .where(col(EventLogRow.order_id) == order_id)
            .order_by(col(EventLogRow.seq))
        )
        return builtins.list((await session.execute(query)).scalars().all())


async def _stage_starts(
    session: AsyncSession, order_id: str, fresh: builtins.list[Event]
) -> dict[str, datetime]:
    """When the stages that ``fresh`` events end began: start event type -> its time."""
    wanted = [metrics.STAGES[e.type][0] for e in fresh if e.type in metrics.STAGES]
    if not wanted:
        return {}
    query = select(col(EventLogRow.type), col(EventLogRow.occurred_at)).where(
        col(EventLogRow.order_id) == order_id, col(EventLogRow.type).in_(wanted)
    )
    return {kind: as_utc(at) for kind, at in (await session.execute(query)).all()}


async def _view_news(session: AsyncSession, snapshot: OrderSnapshot) -> metrics.ViewNews:
    """What ``snapshot`` tells that the stored view did not: compensation outcomes (a step's
    record is replaced in place, so each new (step, outcome) is news) and newly needing
    attention."""
    if not snapshot.compensations and not snapshot.needs_attention:
        return metrics.ViewNews()
    stored = await session.get(OrderViewRow, snapshot.order_id)
    known = {(c["step"], c["outcome"]) for c in stored.compensations} if stored else set()
    outcomes = [(c.step, c.outcome) for c in snapshot.compensations]
    was_waiting = stored is not None and stored.needs_attention
    return metrics.ViewNews(
        [pair for pair in outcomes if pair not in known],
        snapshot.needs_attention and not was_waiting,
    )
