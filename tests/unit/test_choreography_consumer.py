"""A consumer survives its broker: a failed ack, nak or dead-letter publish never ends its loop.

The broker's message and JetStream context are stand-ins at the edge (they
raise as a dropped connection does); the bus and services are real.
"""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from nats.errors import ConnectionClosedError

from choreography.bootstrap import bootstrap
from choreography.consumer import RetryPolicy, ServiceConsumer, by_order
from choreography.memory import InMemoryStore
from domain.event_codec import to_json
from domain.events import OrderCancelled
from infra.database import make_engine, make_session_factory
from infra.settings import Settings
from services.container import Services, build_services, prepare_database
from services.messages import Fault


@dataclass
class DroppedConnectionMessage:
    """A JetStream message whose every settlement fails, as when the connection drops."""

    data: bytes
    attempt: int = 1
    subject: str = "pizzeria.events.order.cancelled.v1"
    headers: dict[str, str] = field(default_factory=dict)
    settled: list[str] = field(default_factory=list)

    @property
    def metadata(self) -> Any:
        return SimpleNamespace(num_delivered=self.attempt, sequence=SimpleNamespace(stream=7))

    async def _fail(self, how: str) -> None:
        self.settled.append(how)
        raise ConnectionClosedError()

    async def ack(self) -> None:
        await self._fail("ack")

    async def nak(self, delay: float | None = None) -> None:
        await self._fail("nak")

    async def term(self) -> None:
        await self._fail("term")


class SettledMessage(DroppedConnectionMessage):
    """A message whose settlements go through."""

    async def _fail(self, how: str) -> None:
        self.settled.append(how)


class UnreachableJetStream:
    """Publishing a dead letter fails."""

    async def publish(self, *args: Any, **kwargs: Any) -> None:
        raise ConnectionClosedError()


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'pizzeria.db'}")
    settings = Settings(_env_file=None, env="test", data_dir=tmp_path, smtp_host=None)
    built = build_services(settings, make_session_factory(engine))
    await prepare_database(engine, built)
    yield built
    await engine.dispose()


def consumer_of(services: Services, name: str) -> ServiceConsumer:
    js: Any = UnreachableJetStream()
    bus = bootstrap(services, InMemoryStore())
    return ServiceConsumer(js, bus, name, RetryPolicy(max_attempts=2, backoff=(0.1,)))


@pytest.fixture
def consumer(services: Services) -> ServiceConsumer:
    return consumer_of(services, "kitchen")


def cancelled() -> bytes:
    event = OrderCancelled(
        event_id=uuid.uuid4(),
        order_id="o1",
        occurred_at=datetime.now(UTC),
        reason="r",
        cancelled_by="admin",
    )
    return to_json(event)


async def test_a_failed_ack_is_logged_and_leaves_the_message_to_be_redelivered(consumer) -> None:
    message = DroppedConnectionMessage(cancelled())

    await consumer.handle(message)  # type: ignore[arg-type]

    assert message.settled == ["ack"]


async def test_a_failed_dead_letter_publish_is_logged_and_the_message_left_unsettled(
    consumer,
) -> None:
    message = DroppedConnectionMessage(b"not a cloudevent")

    await consumer.handle(message)  # type: ignore[arg-type]

    assert message.settled == []  # never terminated: the broker will offer it again


async def test_a_refund_that_keeps_failing_is_retried_past_the_last_attempt_never_parked(
    services: Services,
) -> None:
    await services.faults.set("payments", Fault(mode="down"))
    payments = consumer_of(services, "payments")
    message = SettledMessage(cancelled(), attempt=5)  # well past max_attempts=2

    await payments.handle(message)  # type: ignore[arg-type]

    assert message.settled == ["nak"]  # not dead-lettered (that publish would have raised)


def cancelled_of(order_id: str) -> SettledMessage:
    event = OrderCancelled(
        event_id=uuid.uuid4(),
        order_id=order_id,
        occurred_at=datetime.now(UTC),
        reason="r",
        cancelled_by="admin",
    )
    return SettledMessage(to_json(event))


def test_an_in_order_batch_keeps_each_orders_messages_in_stream_order_apart_from_others() -> None:
    batch = [cancelled_of(order_id) for order_id in ("o1", "o2", "o1", "o3", "o2", "o1")]
    unreadable = SettledMessage(b"not a cloudevent")

    groups = by_order([*batch, unreadable])  # type: ignore[list-item]

    assert groups == [
        [batch[0], batch[2], batch[5]],
        [batch[1], batch[4]],
        [batch[3]],
        [unreadable],
    ]
