"""The kitchen queue: one ticket per order, moved forward by the kitchen display.

Every cancellation is remembered in its own table, so a late ``open_ticket``
for a cancelled order writes its ticket already cancelled instead of putting
the order back on the queue; an order the kitchen never got has no ticket.
"""

from datetime import datetime
from typing import Any, Literal
from uuid import uuid4

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import Field, SQLModel, col

from infra.database import insert_once, lock_order, transaction
from services.faults import FaultInjector
from services.messages import CancelTicket, OpenTicket, Ticket, TicketCancelled
from services.sql import json_column, rows_changed, time_column, utcnow

TicketStatus = Literal["queued", "cooking", "ready", "cancelled"]
OPEN: tuple[str, ...] = ("queued", "cooking")
# Target status -> the statuses it may be reached from: forward only, never out of cancelled.
MOVES_FROM: dict[str, tuple[str, ...]] = {"cooking": ("queued",), "ready": ("queued", "cooking")}


class TicketRow(SQLModel, table=True):
    """A kitchen ticket; before migration 0008 a row without ``idempotency_key`` (or with
    ``cancel_key``) stood for a cancellation, which now has its own ``CancellationRow``."""

    __tablename__ = "kitchen_tickets"

    ticket_id: str = Field(primary_key=True, max_length=40)
    order_id: str = Field(unique=True, max_length=64)
    items: list[dict[str, Any]] = Field(sa_column=json_column())
    status: str = Field(max_length=16)
    created_at: datetime = Field(sa_column=time_column(index=True))
    idempotency_key: str | None = Field(default=None, unique=True, max_length=200)
    cancel_key: str | None = Field(default=None, unique=True, max_length=200)

    def to_ticket(self) -> Ticket:
        """The message form of this row."""
        status: TicketStatus = self.status  # type: ignore[assignment]
        return Ticket(ticket_id=self.ticket_id, order_id=self.order_id, status=status)


class CancellationRow(SQLModel, table=True):
    """The kitchen was told to take an order off (it may not have had its ticket yet)."""

    __tablename__ = "kitchen_cancellations"

    order_id: str = Field(primary_key=True, max_length=64)
    cancel_key: str = Field(unique=True, max_length=200)
    cancelled_at: datetime = Field(sa_column=time_column())


def _queued(req: OpenTicket) -> dict[str, Any]:
    """The row of a new ticket for ``req``, queued."""
    items = [item.model_dump(mode="json") for item in req.items]
    return {
        "ticket_id": f"tkt_{uuid4().hex}",
        "order_id": req.order_id,
        "items": items,
        "status": "queued",
        "created_at": utcnow(),
        "idempotency_key": req.idempotency_key,
    }


class KitchenService:
    """Opens, cancels and advances kitchen tickets."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], faults: FaultInjector) -> None:
        self._sessions = sessions
        self._faults = faults

    async def open_ticket(self, req: OpenTicket) -> Ticket:
        """Queue the order; the order's existing ticket if it already has one."""
        existing = await self._ticket(req.order_id)
        if existing is not None:
            return existing.to_ticket()
        await self._faults.before_call("kitchen")
        async with transaction(self._sessions) as session:
            await lock_order(session, "kitchen", req.order_id)
            row = _queued(req)
            opened = await insert_once(session, TicketRow, row)
            if opened and await _cancel_if_called_off(session, req.order_id):
                row["status"] = "cancelled"
        if opened:
            return TicketRow(**row).to_ticket()  # what was just written: no read back
        return (await self._stored(req.order_id, req.idempotency_key)).to_ticket()

    async def cancel_ticket(self, req: CancelTicket) -> TicketCancelled:
        """Take the order's ticket off the queue; ``cancelled`` is False when it had none."""
        await self._faults.before_call("kitchen")
        cancellation = {"order_id": req.order_id, "cancel_key": req.idempotency_key}
        async with transaction(self._sessions) as session:
            await lock_order(session, "kitchen", req.order_id)
            await insert_once(session, CancellationRow, {**cancellation, "cancelled_at": utcnow()})
            await _cancel_if_called_off(session, req.order_id)
        row = await self._ticket(req.order_id)
        if row is None:
            return TicketCancelled()
        return TicketCancelled(ticket_id=row.ticket_id, cancelled=row.status == "cancelled")

    async def set_status(self, order_id: str, status: str) -> Ticket | None:
        """Move a ticket forward (queued → cooking → ready); cancelled tickets stay cancelled."""
        async with transaction(self._sessions) as session:
            await move_ticket(session, order_id, status)
        row = await self._ticket(order_id)
        return row.to_ticket() if row is not None else None

    async def ticket(self, order_id: str) -> Ticket | None:
        """The order's ticket, if the kitchen ever got one."""
        row = await self._ticket(order_id)
        return row.to_ticket() if row is not None else None

    async def queue(self) -> list[Ticket]:
        """Tickets still to cook or cooking, oldest first."""
        query = (
            select(TicketRow)
            .where(col(TicketRow.status).in_(OPEN))
            .order_by(col(TicketRow.created_at), col(TicketRow.ticket_id))
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).scalars().all()
        return [row.to_ticket() for row in rows]

    async def _ticket(self, order_id: str) -> TicketRow | None:
        query = select(TicketRow).where(col(TicketRow.order_id) == order_id)
        async with self._sessions() as session:
            return (await session.execute(query)).scalar_one_or_none()

    async def _stored(self, order_id: str, key: str) -> TicketRow:
        row = await self._ticket(order_id)
        if row is None:
            raise ValueError(f"idempotency key '{key}' was already used for another order")
        return row


async def move_ticket(session: AsyncSession, order_id: str, status: str) -> None:
    """``KitchenService.set_status`` inside the caller's transaction, without reading back."""
    if status not in MOVES_FROM:
        raise ValueError(f"a ticket can be moved to {sorted(MOVES_FROM)}, not '{status}'")
    await lock_order(session, "kitchen", order_id)
    await session.execute(
        update(TicketRow)
        .where(col(TicketRow.order_id) == order_id, col(TicketRow.status).in_(MOVES_FROM[status]))
        .values(status=status)
    )


async def _cancel_if_called_off(session: AsyncSession, order_id: str) -> bool:
    """Cancel the order's ticket if a cancellation came; True when this call cancelled it."""
    # One UPDATE, no read first: SQLite transactions here write before they read.
    called_off = exists().where(col(CancellationRow.order_id) == order_id)
    result = await session.execute(
        update(TicketRow)
        .where(
            col(TicketRow.order_id) == order_id, col(TicketRow.status) != "cancelled", called_off
        )
        .values(status="cancelled")
    )
    return rows_changed(result) > 0
