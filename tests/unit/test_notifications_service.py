"""Notifications: rendered from templates, sent once per key, outages surface as retryable."""

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.errors import ProviderUnavailable
from domain.events import Purpose
from infra.settings import Settings
from services.container import Services, email_provider
from services.messages import Fault, SendNotification
from services.notifications import TEMPLATES
from services.providers import LocalProvider, SmtpEmailProvider


def notify(
    purpose: Purpose = "confirmation", channel: str = "sms", key: str = "k1"
) -> SendNotification:
    recipient = "+39 055 123 4567" if channel == "sms" else "ada@example.com"
    return SendNotification.model_validate(
        {
            "order_id": "o1",
            "idempotency_key": key,
            "channel": channel,
            "purpose": purpose,
            "recipient": recipient,
            "customer_name": "Ada",
            "details": {"total": "21.00 EUR"},
        }
    )


@pytest.fixture
def outbox(sessions: async_sessionmaker[AsyncSession]) -> LocalProvider:
    """The local SMS outbox the services fixture sends through (it lives in the database)."""
    return LocalProvider("sms", sessions)


async def test_sends_a_friendly_text_naming_the_customer_order_and_details(
    services: Services,
    outbox: LocalProvider,
) -> None:
    receipt = await services.notifications.send(notify())

    [message] = await outbox.messages()
    assert receipt.message_id == message.message_id and receipt.channel == "sms"
    assert message.recipient == "+39 055 123 4567"
    assert "order o1 is confirmed" in message.subject
    assert message.body.startswith("Hi Ada,") and "total: 21.00 EUR" in message.body


@pytest.mark.parametrize("purpose", sorted(TEMPLATES))
async def test_every_purpose_has_its_own_text(services: Services, purpose: Purpose) -> None:
    await services.notifications.send(notify(purpose, channel="email"))

    [sent] = await services.notifications.sent("o1")
    assert (sent.purpose, sent.status) == (purpose, "sent")
    assert "o1" in sent.subject and "Ada" in sent.body


async def test_same_key_twice_sends_once_and_returns_the_first_receipt(
    services: Services,
    outbox: LocalProvider,
) -> None:
    first = await services.notifications.send(notify())
    second = await services.notifications.send(notify())

    assert second == first
    assert len(await outbox.messages()) == 1
    assert len(await services.notifications.sent("o1")) == 1


async def test_sms_outage_raises_provider_unavailable_and_sends_nothing(
    services: Services,
    outbox: LocalProvider,
) -> None:
    await services.faults.set("sms", Fault(mode="down", remaining=1))

    with pytest.raises(ProviderUnavailable, match="sms"):
        await services.notifications.send(notify())
    assert await outbox.messages() == []
    [waiting] = await services.notifications.sent("o1")
    assert (waiting.status, waiting.message_id) == ("pending", None)

    receipt = await services.notifications.send(notify())
    [message] = await outbox.messages()
    [sent] = await services.notifications.sent("o1")
    assert (sent.status, sent.message_id) == ("sent", receipt.message_id)
    assert message.message_id == receipt.message_id


async def test_a_repeat_after_success_answers_whatever_fault_is_in_force(
    services: Services, outbox: LocalProvider
) -> None:
    first = await services.notifications.send(notify())
    await services.faults.set("sms", Fault(mode="down"))

    assert await services.notifications.send(notify()) == first
    assert len(await outbox.messages()) == 1


async def test_the_local_outbox_keeps_one_message_per_key(outbox: LocalProvider) -> None:
    first = await outbox.send("+39 055 1", "subject", "body", "k1")

    assert await outbox.send("+39 055 1", "subject", "body", "k1") == first
    assert [m.message_id for m in await outbox.messages()] == [first]


async def test_an_email_fault_does_not_touch_sms(services: Services, outbox: LocalProvider) -> None:
    await services.faults.set("email", Fault(mode="down"))

    await services.notifications.send(notify(channel="sms"))

    assert len(await outbox.messages()) == 1


def test_smtp_is_used_for_email_when_a_host_is_configured(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    configured = settings.model_copy(update={"smtp_host": "127.0.0.1"})

    assert isinstance(email_provider(configured, sessions), SmtpEmailProvider)
    assert isinstance(email_provider(settings, sessions), LocalProvider)
