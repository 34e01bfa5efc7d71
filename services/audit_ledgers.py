"""What ``pizzeria audit`` reconciles, read from the services' own tables in one pass.

Works on any database the services run on, in both modes: the order read model
(``orders_view`` and ``orders_event_log``) is kept by both. ``needs_attention``
is read from ``orders_view`` when that column exists (it arrives with the
saga's compensation-never-gives-up change) and taken as false before.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.inventory import ReservationRow
from services.kitchen import TicketRow
from services.notifications import NotificationRow
from services.orders import EventLogRow
from services.payments import LedgerRow
from services.sql import as_utc, table_of
from services.stock import StockRow
from services.stock_ledger import StockAdjustmentRow


@dataclass
class OrderFacts:
    """Everything the ledgers say about one order."""

    order_id: str
    status: str = "UNKNOWN"
    updated_at: datetime | None = None
    needs_attention: bool = False
    events: Counter[str] = field(default_factory=Counter)
    charges: list[Decimal] = field(default_factory=list)
    refunds: list[Decimal] = field(default_factory=list)
    reservation: str | None = None  # "reserved" or "released" when stock was taken
    ticket: str | None = None
    confirmations: Counter[str] = field(default_factory=Counter)  # by channel
    confirmations_failed: Counter[str] = field(default_factory=Counter)  # given up, by channel


@dataclass(frozen=True)
class Movement:
    """Portions an order took off the shelf, and when they came back (if they did)."""

    ingredients: dict[str, int]
    taken_at: datetime
    returned_at: datetime | None


@dataclass
class Ledgers:
    """Orders and the shelf, as the database holds them now."""

    orders: dict[str, OrderFacts] = field(default_factory=dict)
    on_hand: dict[str, int] = field(default_factory=dict)
    adjustments: list[tuple[str, str, int, datetime]] = field(default_factory=list)
    movements: list[Movement] = field(default_factory=list)

    def order(self, order_id: str) -> OrderFacts:
        """The facts of ``order_id``, created empty on first mention."""
        return self.orders.setdefault(order_id, OrderFacts(order_id))


async def read_ledgers(engine: AsyncEngine) -> Ledgers:
    """Read every ledger the audit needs, in one connection."""
    async with engine.connect() as connection:
        return await connection.run_sync(_read)


def _read(connection: Connection) -> Ledgers:
    ledgers = Ledgers()
    _read_views(connection, ledgers)
    for event_row in _rows(connection, EventLogRow):
        facts = ledgers.order(event_row.order_id)
        facts.events[event_row.type] += 1
        payload = event_row.payload
        if event_row.type == "NotificationFailed" and payload.get("purpose") == "confirmation":
            facts.confirmations_failed[payload.get("channel")] += 1
    for line in _rows(connection, LedgerRow):
        facts = ledgers.order(line.order_id)
        {"charge": facts.charges, "refund": facts.refunds}.get(line.kind, []).append(line.amount)
    for ticket in _rows(connection, TicketRow):
        ledgers.order(ticket.order_id).ticket = ticket.status
    for note in _rows(connection, NotificationRow):
        if note.purpose == "confirmation":
            ledgers.order(note.order_id).confirmations[note.channel] += 1
    _read_stock(connection, ledgers)
    return ledgers


def _read_views(connection: Connection, ledgers: Ledgers) -> None:
    columns = {column["name"] for column in inspect(connection).get_columns("orders_view")}
    flag = "needs_attention" if "needs_attention" in columns else "false"
    query = text(f"SELECT order_id, status, updated_at, {flag} AS flagged FROM orders_view")
    for order_id, status, updated_at, flagged in connection.execute(query):
        facts = ledgers.order(order_id)
        facts.status, facts.updated_at = status, _moment(updated_at)
        facts.needs_attention = bool(flagged)


def _read_stock(connection: Connection, ledgers: Ledgers) -> None:
    ledgers.on_hand = {row.ingredient: row.quantity for row in _rows(connection, StockRow)}
    ledgers.adjustments = [
        (row.ingredient, row.kind, row.quantity, as_utc(row.created_at))
        for row in _rows(connection, StockAdjustmentRow, order_by="seq")
    ]
    for row in _rows(connection, ReservationRow):
        if row.reserve_key is None:  # released before it was reserved: took nothing
            continue
        ledgers.order(row.order_id).reservation = row.status
        returned = as_utc(row.released_at) if row.released_at else None
        ledgers.movements.append(Movement(row.ingredients, as_utc(row.created_at), returned))


def _rows(connection: Connection, model: Any, order_by: str | None = None) -> list[Any]:
    table = table_of(model)
    query = select(table).order_by(table.c[order_by]) if order_by else select(table)
    return list(connection.execute(query))


def _moment(value: datetime | str) -> datetime:
    """SQLite hands a raw ``text()`` timestamp back as a string."""
    return as_utc(datetime.fromisoformat(value) if isinstance(value, str) else value)
