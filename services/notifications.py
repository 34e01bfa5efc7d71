"""Customer notifications by SMS and email, rendered from templates and sent at most once per key.

A row is written as ``pending`` before the provider is called and marked
``sent`` after, so a repeat after success returns the first receipt without
calling the provider again. A repeat after a crash between the two, or after
the provider was down, resends the stored text with the same key, which the
provider uses to deduplicate.
"""

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import Field, SQLModel, col

from domain.events import Channel
from infra.database import insert_once, transaction
from services.faults import FaultInjector
from services.messages import NotificationReceipt, SendNotification, SentNotification
from services.providers import NotificationProvider
from services.sql import as_utc, time_column, utcnow

TEMPLATES: dict[str, tuple[str, str]] = {
    "confirmation": (
        "Your order {order_id} is confirmed",
        "Hi {name}, thanks for ordering at Mario's! Order {order_id} is confirmed "
        "and will be in the oven shortly.",
    ),
    "delay": (
        "Your order {order_id} is running late",
        "Hi {name}, sorry: order {order_id} is taking longer than we promised. "
        "We're on it and will keep you posted.",
    ),
    "cancellation": (
        "Your order {order_id} is cancelled",
        "Hi {name}, order {order_id} is cancelled. Anything you paid is on its way back to you.",
    ),
    "rejection": (
        "We could not take your order {order_id}",
        "Hi {name}, we're sorry: we could not accept order {order_id}. You have not been charged.",
    ),
    "out_for_delivery": (
        "Your order {order_id} is on its way",
        "Hi {name}, good news: order {order_id} has left the pizzeria and is on its way to you.",
    ),
}


def render(req: SendNotification) -> tuple[str, str]:
    """Subject and body for the request's purpose, with its details appended one per line."""
    subject, body = TEMPLATES[req.purpose]
    fields = {"name": req.customer_name, "order_id": req.order_id}
    lines = [body.format(**fields), *(f"{key}: {value}" for key, value in req.details.items())]
    return f"Mario's Pizzeria: {subject.format(**fields)}", "\n".join(lines)


class NotificationRow(SQLModel, table=True):
    """One notification the service decided to send."""

    __tablename__ = "notifications_sent"

    idempotency_key: str = Field(primary_key=True, max_length=200)
    order_id: str = Field(index=True, max_length=64)
    channel: str = Field(max_length=16)
    purpose: str = Field(max_length=32)
    recipient: str
    subject: str
    body: str
    status: str = Field(max_length=16)
    message_id: str | None = None
    created_at: datetime = Field(sa_column=time_column())

    def to_sent(self) -> SentNotification:
        """The message form of this row."""
        data: dict[str, Any] = self.model_dump(exclude={"idempotency_key"})
        return SentNotification.model_validate(data | {"created_at": as_utc(self.created_at)})


class NotificationService:
    """Sends SMS and email through the providers it is given."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        faults: FaultInjector,
        sms: NotificationProvider,
        email: NotificationProvider,
    ) -> None:
        self._sessions = sessions
        self._faults = faults
        self._providers: dict[Channel, NotificationProvider] = {"sms": sms, "email": email}

    async def send(self, req: SendNotification) -> NotificationReceipt:
        """Send the notification once; ``ProviderUnavailable`` when the channel is down."""
        row = await self._record(req)
        if row.message_id is not None:
            return NotificationReceipt(message_id=row.message_id, channel=req.channel)
        # After the pending row, as a real provider's outage comes: a repeat after success
        # returns its receipt whatever fault is in force.
        await self._faults.before_call(req.channel)
        provider = self._providers[req.channel]
        message_id = await provider.send(row.recipient, row.subject, row.body, row.idempotency_key)
        await self._mark_sent(req.idempotency_key, message_id)
        return NotificationReceipt(message_id=message_id, channel=req.channel)

    async def sent(self, order_id: str) -> list[SentNotification]:
        """Every notification for the order, oldest first."""
        query = (
            select(NotificationRow)
            .where(col(NotificationRow.order_id) == order_id)
            .order_by(col(NotificationRow.created_at))
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).scalars().all()
        return [row.to_sent() for row in rows]

    async def _record(self, req: SendNotification) -> NotificationRow:
        """The key's row: written pending now, or as an earlier call left it."""
        pending = _pending(req)
        async with transaction(self._sessions) as session:
            if await insert_once(session, NotificationRow, pending):
                return NotificationRow(**pending)  # what was just written: no read back
            query = select(NotificationRow).where(
                col(NotificationRow.idempotency_key) == req.idempotency_key
            )
            return (await session.execute(query)).scalar_one()

    async def _mark_sent(self, key: str, message_id: str) -> None:
        async with transaction(self._sessions) as session:
            await session.execute(
                update(NotificationRow)
                .where(col(NotificationRow.idempotency_key) == key)
                .values(status="sent", message_id=message_id)
            )


def _pending(req: SendNotification) -> dict[str, Any]:
    subject, body = render(req)
    status: Literal["pending"] = "pending"
    return {
        **req.model_dump(include={"idempotency_key", "order_id", "channel", "purpose"}),
        "recipient": req.recipient,
        "subject": subject,
        "body": body,
        "status": status,
        "created_at": utcnow(),
    }
