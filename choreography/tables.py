"""The choreography's own tables: the order aggregate, the outbox, the inbox and due deadlines.

They live beside the services' tables in the same database, so a handler's
state change, its outgoing events and its inbox row commit in one transaction.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Field, SQLModel

from services.sql import json_column, money_column, sequence_column, time_column


class OrderRow(SQLModel, table=True):
    """One order as the choreography's order service keeps it; ``version`` guards updates."""

    __tablename__ = "choreo_orders"

    order_id: str = Field(primary_key=True, max_length=64)
    version: int
    status: str = Field(max_length=32)
    customer: dict[str, Any] = Field(sa_column=json_column())
    items: list[dict[str, Any]] = Field(sa_column=json_column())
    delivery_address: str = Field(max_length=300)
    total: Decimal = Field(sa_column=money_column())
    ticket_id: str | None = Field(default=None, max_length=64)
    slas: dict[str, float] = Field(sa_column=json_column())
    updated_at: datetime = Field(sa_column=time_column())


class OutboxRow(SQLModel, table=True):
    """An event committed with its state change, waiting for the relay (``sent_at`` None)."""

    __tablename__ = "choreo_outbox"

    seq: int | None = Field(default=None, sa_column=sequence_column())
    event_id: str = Field(unique=True, max_length=36)
    order_id: str = Field(index=True, max_length=64)
    type: str = Field(max_length=64)
    subject: str = Field(max_length=200)
    body: str
    created_at: datetime = Field(sa_column=time_column())
    sent_at: datetime | None = Field(default=None, sa_column=time_column(nullable=True, index=True))
    traceparent: str | None = Field(default=None, max_length=64)


class InboxRow(SQLModel, table=True):
    """A message a consumer has fully handled; the primary key makes the second time a no-op."""

    __tablename__ = "choreo_inbox"

    consumer: str = Field(primary_key=True, max_length=32)
    message_id: str = Field(primary_key=True, max_length=36)
    handled_at: datetime = Field(sa_column=time_column())


class DeadlineRow(SQLModel, table=True):
    """A kitchen or delivery deadline: pending until its stage is reached or it fires."""

    __tablename__ = "choreo_deadlines"

    order_id: str = Field(primary_key=True, max_length=64)
    stage: str = Field(primary_key=True, max_length=16)
    due_at: datetime = Field(sa_column=time_column(index=True))
    status: str = Field(default="pending", max_length=16)
