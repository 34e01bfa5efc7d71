"""SMTP email against a real SMTP server (aiosmtpd, in process, on a free local port)."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.errors import ProviderUnavailable
from infra.ports import free_port
from services.faults import FaultInjector
from services.messages import SendNotification
from services.notifications import NotificationService
from services.providers import LocalProvider, SmtpEmailProvider

SENDER = "orders@mariospizzeria.example"


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Controller, Inbox]]:
    """A running SMTP server on 127.0.0.1, stopped after the test whatever happens."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


def provider_for(controller: Controller) -> SmtpEmailProvider:
    return SmtpEmailProvider(controller.hostname, controller.port, SENDER, timeout=5.0)


async def test_delivers_the_email_with_subject_recipient_and_key_derived_id(
    smtp_server: tuple[Controller, Inbox],
) -> None:
    controller, inbox = smtp_server
    provider = provider_for(controller)

    message_id = await provider.send("ada@example.com", "Your pizza", "It is coming.", "key-1")

    [message] = inbox.messages
    assert (message["To"], message["From"], message["Subject"]) == (
        "ada@example.com",
        SENDER,
        "Your pizza",
    )
    assert message["Message-ID"] == message_id == provider.message_id("key-1")
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes) and body.strip() == b"It is coming."


async def test_the_notification_service_emails_once_per_key(
    smtp_server: tuple[Controller, Inbox], sessions: async_sessionmaker[AsyncSession]
) -> None:
    controller, inbox = smtp_server
    service = NotificationService(
        sessions,
        FaultInjector(sessions),
        sms=LocalProvider("sms", sessions),
        email=provider_for(controller),
    )
    request = SendNotification(
        order_id="o1",
        idempotency_key="order-o1-confirmation-email",
        channel="email",
        purpose="confirmation",
        recipient="ada@example.com",
        customer_name="Ada",
    )

    first = await service.send(request)
    second = await service.send(request)

    assert second == first
    [message] = inbox.messages
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == "Mario's Pizzeria: Your order o1 is confirmed"


async def test_a_stopped_server_is_provider_unavailable() -> None:
    controller = Controller(Inbox(), hostname="127.0.0.1", port=free_port())
    controller.start()
    controller.stop()
    provider = provider_for(controller)

    with pytest.raises(ProviderUnavailable, match="did not take the email"):
        await provider.send("ada@example.com", "Your pizza", "It is coming.", "key-1")
