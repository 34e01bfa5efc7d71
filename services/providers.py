"""Notification providers: the port, a local outbox for dev and tests, and SMTP for email.

Every provider takes the idempotency key with the message, so a retried send
can be recognised downstream: the local outbox stores one message per key and
SMTP derives the Message-ID from it.
"""

from datetime import datetime
from email.message import EmailMessage
from typing import Protocol
from uuid import NAMESPACE_URL, uuid4, uuid5

import aiosmtplib
from sqlalchemy import UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import Field, SQLModel, col

from domain.errors import ProviderUnavailable
from infra.database import insert_once, transaction
from services.messages import Message
from services.sql import as_utc, time_column, utcnow


class NotificationProvider(Protocol):
    """Delivers one message to one recipient and returns the provider's message id."""

    async def send(self, recipient: str, subject: str, body: str, idempotency_key: str) -> str:
        """Deliver the message; the same key twice must not deliver it twice."""
        ...


class LocalMessage(Message):
    """A message the local provider accepted."""

    message_id: str
    channel: str
    recipient: str
    subject: str
    body: str
    sent_at: datetime


class OutboxRow(SQLModel, table=True):
    """One message in the local provider's outbox."""

    __tablename__ = "notifications_local_outbox"
    __table_args__ = (UniqueConstraint("channel", "idempotency_key"),)

    message_id: str = Field(primary_key=True, max_length=40)
    channel: str = Field(max_length=16)
    idempotency_key: str = Field(max_length=200)
    recipient: str
    subject: str
    body: str
    sent_at: datetime = Field(sa_column=time_column(index=True))


class LocalProvider:
    """The dev and test provider: writes each message to a table instead of a phone or inbox."""

    def __init__(self, channel: str, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.channel = channel
        self._sessions = sessions

    async def send(self, recipient: str, subject: str, body: str, idempotency_key: str) -> str:
        """Record the message once per key; returns its message id."""
        row = {
            "message_id": f"{self.channel}_{uuid4().hex}",
            "channel": self.channel,
            "idempotency_key": idempotency_key,
            "recipient": recipient,
            "subject": subject,
            "body": body,
            "sent_at": utcnow(),
        }
        async with transaction(self._sessions) as session:
            if await insert_once(session, OutboxRow, row):
                return str(row["message_id"])
            query = select(col(OutboxRow.message_id)).where(
                col(OutboxRow.channel) == self.channel,
                col(OutboxRow.idempotency_key) == idempotency_key,
            )
            return str((await session.execute(query)).scalar_one())

    async def messages(self, recipient: str | None = None) -> list[LocalMessage]:
        """What this channel has sent, oldest first, optionally to one recipient."""
        query = select(OutboxRow).where(col(OutboxRow.channel) == self.channel)
        if recipient is not None:
            query = query.where(col(OutboxRow.recipient) == recipient)
        async with self._sessions() as session:
            rows = (await session.execute(query.order_by(col(OutboxRow.sent_at)))).scalars().all()
        return [
            LocalMessage.model_validate(row.model_dump() | {"sent_at": as_utc(row.sent_at)})
            for row in rows
        ]


class SmtpEmailProvider:
    """Sends email through an SMTP server; outages and timeouts become ``ProviderUnavailable``."""

    def __init__(self, host: str, port: int, sender: str, timeout: float = 10.0) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._timeout = timeout

    def message_id(self, idempotency_key: str) -> str:
        """The Message-ID for a key: the same key always yields the same id."""
        domain = self._sender.rpartition("@")[2] or "localhost"
        return f"<{uuid5(NAMESPACE_URL, idempotency_key).hex}@{domain}>"

    async def send(self, recipient: str, subject: str, body: str, idempotency_key: str) -> str:
        """Send one email; returns its Message-ID."""
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = recipient
        message["Subject"] = subject
        message_id = self.message_id(idempotency_key)
        message["Message-ID"] = message_id
        message.set_content(body)
        try:
            await aiosmtplib.send(
                message, hostname=self._host, port=self._port, timeout=self._timeout
            )
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            raise ProviderUnavailable(
                f"SMTP server {self._host}:{self._port} did not take the email: {exc}"
            ) from exc
        return message_id
