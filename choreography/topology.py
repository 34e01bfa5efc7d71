"""The JetStream side: streams, one durable pull consumer per service, and the publisher.

Events go to ``PIZZERIA_EVENTS`` (file storage, a ten-minute duplicate window
for ``Nats-Msg-Id``); dead letters to ``PIZZERIA_DEADLETTERS``. Each consumer
filters the subjects its handlers need, acknowledges explicitly, and leaves the
retry count to us (``max_deliver`` unbounded, see ``consumer.py``).
"""

from collections.abc import Mapping, Sequence

from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError

from choreography.names import (
    DEAD_LETTER_PREFIX,
    DEAD_LETTER_STREAM,
    EVENTS_PREFIX,
    EVENTS_STREAM,
    MSG_ID,
)

DUPLICATE_WINDOW_SECONDS = 600.0
ACK_WAIT_SECONDS = 30.0


async def ensure_streams(js: JetStreamContext) -> None:
    """Create the event and dead-letter streams if they do not exist."""
    for name, prefix in ((EVENTS_STREAM, EVENTS_PREFIX), (DEAD_LETTER_STREAM, DEAD_LETTER_PREFIX)):
        config = StreamConfig(
            name=name,
            subjects=[f"{prefix}.>"],
            storage=StorageType.FILE,
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
        )
        try:
            await js.add_stream(config)
        except BadRequestError:
            await js.update_stream(config)


async def ensure_consumers(
    js: JetStreamContext,
    subjects: Mapping[str, Sequence[str]],
    ack_wait: float = ACK_WAIT_SECONDS,
) -> None:
    """One durable consumer per service, filtering that service's subjects."""
    for durable, filters in subjects.items():
        config = ConsumerConfig(
            durable_name=durable,
            filter_subjects=list(filters),
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=ack_wait,
            max_deliver=-1,
            max_ack_pending=1000,
        )
        await js.add_consumer(EVENTS_STREAM, config)


class JetStreamPublisher:
    """``relay.Publisher`` on JetStream: waits for the stream's ack of each message."""

    def __init__(self, js: JetStreamContext, timeout: float = 5.0) -> None:
        self._js = js
        self._timeout = timeout

    async def publish(
        self, subject: str, body: bytes, message_id: str, headers: Mapping[str, str] | None = None
    ) -> None:
        """Publish with ``Nats-Msg-Id`` so a repeat inside the duplicate window is dropped."""
        headers = {**(headers or {}), MSG_ID: message_id}
        await self._js.publish(subject, body, timeout=self._timeout, headers=headers)
