"""Payments: a ledger of charges, refunds and declines, at most one charge and one refund per order.

Partial unique indexes make "one charge per order" and "one refund per order"
facts of the database, so racing calls with different keys still charge once;
a charge and a refund of one order take turns (``lock_order``), so each sees
whether the other came first.
A refund that finds nothing charged is recorded with amount 0, so a charge
that arrives after its order was compensated is declined instead of kept.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import uuid4

from sqlalchemy import Index, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import Field, SQLModel, col

from domain.errors import PaymentDeclined
from infra.database import insert_once, lock_order, transaction
from services.faults import FaultInjector
from services.messages import (
    ChargePayment,
    LedgerEntry,
    PaymentReceipt,
    RefundPayment,
    RefundReceipt,
)
from services.sql import as_utc, money, money_column, time_column, utcnow

Kind = Literal["charge", "refund", "declined"]
_SETTLED = text("kind != 'declined'")


class LedgerRow(SQLModel, table=True):
    """One ledger line; ``payment_id`` names the charge a charge or refund line is about."""

    __tablename__ = "payments_ledger"
    __table_args__ = (
        Index(
            "payments_ledger_one_per_order",
            "order_id",
            "kind",
            unique=True,
            sqlite_where=_SETTLED,
            postgresql_where=_SETTLED,
        ),
    )

    entry_id: str = Field(primary_key=True, max_length=40)
    order_id: str = Field(index=True, max_length=64)
    kind: str = Field(max_length=16)
    payment_id: str | None = Field(default=None, max_length=40)
    amount: Decimal = Field(sa_column=money_column())
    reason: str = ""
    idempotency_key: str = Field(unique=True, max_length=200)
    created_at: datetime = Field(sa_column=time_column())

    def to_entry(self) -> LedgerEntry:
        """The message form of this line."""
        kind: Kind = self.kind  # type: ignore[assignment]
        data = self.model_dump(exclude={"idempotency_key", "kind", "created_at"})
        return LedgerEntry(kind=kind, created_at=as_utc(self.created_at), **data)


def _line(
    req: ChargePayment | RefundPayment, kind: Kind, amount: Decimal, reason: str = ""
) -> dict[str, Any]:
    entry_id = f"{'pay' if kind == 'charge' else 'led'}_{uuid4().hex}"
    return {
        "entry_id": entry_id,
        "order_id": req.order_id,
        "kind": kind,
        "payment_id": entry_id if kind == "charge" else None,
        "amount": money(amount),
        "reason": reason,
        "idempotency_key": req.idempotency_key,
        "created_at": utcnow(),
    }


class PaymentService:
    """Charges and refunds orders against a ledger; never charges an order twice."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], faults: FaultInjector, limit: Decimal
    ) -> None:
        self._sessions = sessions
        self._faults = faults
        self._limit = limit

    async def charge(self, req: ChargePayment) -> PaymentReceipt:
        """Charge the order once; ``PaymentDeclined`` for a bad amount or a declining provider."""
        earlier = await self._by_key(req.idempotency_key)
        if earlier is not None:
            return _receipt(earlier)
        self._check_amount(req.amount)
        fault = await self._faults.before_call("payments")
        if fault is not None and fault.mode == "decline":
            return await self._decline(req, "the card issuer declined the charge (injected fault)")
        async with transaction(self._sessions) as session:
            await lock_order(session, "payments", req.order_id)
            line = _line(req, "charge", req.amount)
            if await insert_once(session, LedgerRow, line):
                await _refuse_if_refunded(session, req.order_id)
                return PaymentReceipt(payment_id=line["payment_id"], amount=line["amount"])
        return _receipt(await self._by_key(req.idempotency_key) or await self._charge_of(req))

    async def refund(self, req: RefundPayment) -> RefundReceipt:
        """Pay back the order's charge once; nothing charged → an empty receipt."""
        earlier = await self._by_key(req.idempotency_key)
        if earlier is not None:
            return RefundReceipt(payment_id=earlier.payment_id, amount=earlier.amount)
        await self._faults.before_call("payments")
        async with transaction(self._sessions) as session:
            await lock_order(session, "payments", req.order_id)
            line = _line(req, "refund", Decimal(0))
            if await insert_once(session, LedgerRow, line):
                return await _settle_refund(session, line["entry_id"], req.order_id)
        # Another key already refunded this order, unless this very key won a race.
        row = await self._by_key(req.idempotency_key)
        return (
            RefundReceipt(payment_id=row.payment_id, amount=row.amount) if row else RefundReceipt()
        )

    async def ledger(self, order_id: str) -> list[LedgerEntry]:
        """Every ledger line of the order, oldest first."""
        query = (
            select(LedgerRow)
            .where(col(LedgerRow.order_id) == order_id)
            .order_by(col(LedgerRow.created_at), col(LedgerRow.entry_id))
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).scalars().all()
        return [row.to_entry() for row in rows]

    async def balance(self, order_id: str) -> Decimal:
        """What the customer has paid for the order net of refunds."""
        signs = {"charge": 1, "refund": -1, "declined": 0}
        lines = await self.ledger(order_id)
        return money(sum((line.amount * signs[line.kind] for line in lines), Decimal("0")))

    def _check_amount(self, amount: Decimal) -> None:
        if amount <= 0:
            raise PaymentDeclined(f"the amount must be positive, got {amount}")
        if amount != money(amount):
            raise PaymentDeclined(f"the amount must be in whole cents, got {amount}")
        if amount > self._limit:
            raise PaymentDeclined(f"{amount} is over the payment limit of {self._limit}")

    async def _decline(self, req: ChargePayment, reason: str) -> PaymentReceipt:
        async with transaction(self._sessions) as session:
            line = _line(req, "declined", req.amount, reason)
            await insert_once(session, LedgerRow, line)
        return _receipt(await self._by_key(req.idempotency_key) or LedgerRow(**line))

    async def _by_key(self, key: str) -> LedgerRow | None:
        query = select(LedgerRow).where(col(LedgerRow.idempotency_key) == key)
        async with self._sessions() as session:
            return (await session.execute(query)).scalar_one_or_none()

    async def _charge_of(self, req: ChargePayment) -> LedgerRow:
        query = select(LedgerRow).where(
            col(LedgerRow.order_id) == req.order_id, col(LedgerRow.kind) == "charge"
        )
        async with self._sessions() as session:
            row = (await session.execute(query)).scalar_one_or_none()
        if row is None:
            raise PaymentDeclined(f"order {req.order_id} was refunded and cannot be charged")
        return row


def _receipt(line: LedgerRow) -> PaymentReceipt:
    if line.kind == "charge" and line.payment_id is not None:
        return PaymentReceipt(payment_id=line.payment_id, amount=line.amount)
    raise PaymentDeclined(line.reason or f"order {line.order_id} was refunded; not charging it")


async def _refuse_if_refunded(session: AsyncSession, order_id: str) -> None:
    query = select(col(LedgerRow.entry_id)).where(
        col(LedgerRow.order_id) == order_id, col(LedgerRow.kind) == "refund"
    )
    if (await session.execute(query)).first() is not None:
        # Raising rolls the charge back: the order was compensated before this charge landed.
        raise PaymentDeclined(f"order {order_id} was already refunded; not charging it")


async def _settle_refund(session: AsyncSession, entry_id: str, order_id: str) -> RefundReceipt:
    query = select(LedgerRow).where(
        col(LedgerRow.order_id) == order_id, col(LedgerRow.kind) == "charge"
    )
    charge = (await session.execute(query)).scalar_one_or_none()
    if charge is None:
        return RefundReceipt()
    await session.execute(
        update(LedgerRow)
        .where(col(LedgerRow.entry_id) == entry_id)
        .values(amount=charge.amount, payment_id=charge.payment_id)
    )
    return RefundReceipt(payment_id=charge.payment_id, amount=charge.amount)
