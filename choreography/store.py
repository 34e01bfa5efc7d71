"""``SqlStore``: the store port (``choreography.ports``) on the services' database.

``SqlStore.commit`` is the transactional outbox: the inbox row, the order's new
state (guarded by its version), its deadlines and its outgoing events go into
one database transaction, all or nothing; after it commits, the ``bell`` tells
the relay that there is something to publish. A new order's contact goes to the
read model's contact record in that transaction too (OrderPlaced carries none).
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from choreography.model import Change, Deadline, StoredOrder
from choreography.names import subject_for
from choreography.ports import Bell, OutgoingEvent, VersionConflict
from choreography.rows import order_from_row, order_values
from choreography.tables import DeadlineRow, InboxRow, OrderRow, OutboxRow
from domain.event_codec import from_json, to_json
from domain.events import DomainEvent, Event
from infra.database import insert_once, transaction
from infra.trace_context import current_traceparent
from services.contacts import contact_of, save_contact
from services.sql import as_utc, rows_changed, utcnow


class _NothingToDo(Exception):
    """Rolls the transaction back: the message was handled already, or the work is taken."""


class SqlStore:
    """``Store`` on the services' database."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], bell: Bell | None = None
    ) -> None:
        self._sessions = sessions
        self._bell = bell

    async def order(self, order_id: str) -> StoredOrder | None:
        """The order, or None."""
        async with self._sessions() as session:
            row = await session.get(OrderRow, order_id)
        return order_from_row(row) if row is not None else None

    async def event_types(self, order_id: str) -> list[str]:
        """The types of the order's events, in commit order."""
        query = (
            select(col(OutboxRow.type))
            .where(col(OutboxRow.order_id) == order_id)
            .order_by(col(OutboxRow.seq))
        )
        async with self._sessions() as session:
            return list((await session.execute(query)).scalars().all())

    async def history(self, order_id: str) -> tuple[StoredOrder, list[Event]] | None:
        """The order row and its outbox in one statement, so both are of the same moment."""
        query = (
            select(OrderRow, OutboxRow)
            .outerjoin(OutboxRow, col(OutboxRow.order_id) == col(OrderRow.order_id))
            .where(col(OrderRow.order_id) == order_id)
            .order_by(col(OutboxRow.seq))
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        if not rows:
            return None
        events = [from_json(sent.body.encode()) for _, sent in rows if sent is not None]
        return order_from_row(rows[0][0]), events

    async def handled(self, consumer: str, message_id: str) -> bool:
        """Whether the inbox holds ``(consumer, message_id)``."""
        async with self._sessions() as session:
            return await session.get(InboxRow, (consumer, message_id)) is not None

    async def commit(self, change: Change, inbox: tuple[str, str] | None = None) -> bool:
        """One transaction: inbox row, claimed deadline, order, deadlines, outbox rows."""
        try:
            async with transaction(self._sessions) as session:
                await _write(session, change, inbox)
        except _NothingToDo:
            return False
        if change.events and self._bell is not None:
            await self._bell.ring()
        return True

    async def unsent(self, limit: int) -> list[OutgoingEvent]:
        """The oldest unpublished events."""
        query = (
            select(OutboxRow)
            .where(col(OutboxRow.sent_at).is_(None))
            .order_by(col(OutboxRow.seq))
            .limit(limit)
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).scalars().all()
        return [
            OutgoingEvent(
                row.event_id,
                row.subject,
                row.body.encode(),
                row.traceparent,
                as_utc(row.created_at),
            )
            for row in rows
        ]

    async def mark_sent(self, event_ids: Sequence[str]) -> None:
        """Stamp ``sent_at`` on the published events."""
        async with transaction(self._sessions) as session:
            await session.execute(
                update(OutboxRow)
                .where(col(OutboxRow.event_id).in_(list(event_ids)))
                .values(sent_at=utcnow())
            )

    async def due(self, now: datetime, limit: int) -> list[Deadline]:
        """Pending deadlines at or before ``now``, earliest first."""
        query = (
            select(DeadlineRow)
            .where(col(DeadlineRow.status) == "pending", col(DeadlineRow.due_at) <= now)
            .order_by(col(DeadlineRow.due_at))
            .limit(limit)
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).scalars().all()
        return [Deadline(row.order_id, row.stage, as_utc(row.due_at)) for row in rows]


async def _write(session: AsyncSession, change: Change, inbox: tuple[str, str] | None) -> None:
    if inbox is not None:
        consumer, message_id = inbox
        row = {"consumer": consumer, "message_id": message_id, "handled_at": utcnow()}
        if not await insert_once(session, InboxRow, row):
            raise _NothingToDo()
    if change.fire is not None:
        await _claim(session, change.fire)
    if change.order is not None:
        await _save(session, change.order)
        await _deadlines(session, change, change.order.order_id)
    for event in change.events:
        await insert_once(session, OutboxRow, _outbox_row(event))


async def _claim(session: AsyncSession, deadline: Deadline) -> None:
    result = await session.execute(
        update(DeadlineRow)
        .where(
            col(DeadlineRow.order_id) == deadline.order_id,
            col(DeadlineRow.stage) == deadline.stage,
            col(DeadlineRow.status) == "pending",
        )
        .values(status="fired")
    )
    if rows_changed(result) == 0:
        raise _NothingToDo()


async def _save(session: AsyncSession, stored: StoredOrder) -> None:
    values = order_values(stored)
    if stored.version == 0:
        if not await insert_once(session, OrderRow, {**values, "version": 1}):
            raise _NothingToDo()  # placed before: the same order, nothing new to announce
        await save_contact(session, stored.order_id, contact_of(stored.order))
        return
    result = await session.execute(
        update(OrderRow)
        .where(col(OrderRow.order_id) == stored.order_id, col(OrderRow.version) == stored.version)
        .values(**values, version=stored.version + 1)
    )
    if rows_changed(result) == 0:
        raise VersionConflict(f"order {stored.order_id} changed since version {stored.version}")


async def _deadlines(session: AsyncSession, change: Change, order_id: str) -> None:
    if change.settle:
        await session.execute(
            update(DeadlineRow)
            .where(
                col(DeadlineRow.order_id) == order_id,
                col(DeadlineRow.stage).in_(change.settle),
                col(DeadlineRow.status) == "pending",
            )
            .values(status="done")
        )
    for deadline in change.schedule:
        row = {"order_id": order_id, "stage": deadline.stage, "due_at": deadline.due_at}
        await insert_once(session, DeadlineRow, {**row, "status": "pending"})


def _outbox_row(event: DomainEvent) -> dict[str, Any]:
    return {
        "event_id": str(event.event_id),
        "order_id": event.order_id,
        "type": type(event).__name__,
        "subject": subject_for(event),
        "body": to_json(event).decode(),
        "created_at": utcnow(),
        "traceparent": current_traceparent(),
    }
