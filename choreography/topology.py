"""The JetStream side: streams and one durable pull consumer per service.

The relay's publisher is ``batch_publisher``.

Events go to ``PIZZERIA_EVENTS`` (file storage, a ten-minute duplicate window
for ``Nats-Msg-Id``); dead letters to ``PIZZERIA_DEADLETTERS``. Both streams
keep messages for a bounded time and size (``Retention``, from the settings),
so neither grows forever. Each consumer filters the subjects its handlers
need and acknowledges explicitly; JetStream itself stops redelivering a
message after ``max_deliver`` tries (one more than the consumer's own retry
count, for a consumer that died mid-try), backing off between redeliveries of
unacknowledged messages, and announces that with a MAX_DELIVERIES advisory,
which ``PIZZERIA_ADVISORIES`` keeps until ``advisories.py`` dead-letters the message.
A consumer that compensates (``keep_trying``) has no such bound: an undo never gives up.
"""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError

from choreography.names import (
    ADVISORIES_STREAM,
    DEAD_LETTER_PREFIX,
    DEAD_LETTER_STREAM,
    EVENTS_PREFIX,
    EVENTS_STREAM,
    MAX_DELIVERIES_ADVISORIES,
)

DUPLICATE_WINDOW_SECONDS = 600.0
ACK_WAIT_SECONDS = 30.0
DAY = 24 * 3600.0
UNBOUNDED = -1


@dataclass(frozen=True)
class Retention:
    """How long and how much a stream keeps before it drops its oldest messages."""

    max_age_seconds: float = 7 * DAY
    max_bytes: int = 1 << 30


@dataclass(frozen=True)
class Limits:
    """Retention of each stream."""

    events: Retention = Retention()
    dead_letters: Retention = Retention(max_age_seconds=30 * DAY)
    advisories: Retention = Retention(max_age_seconds=DAY, max_bytes=64 << 20)


async def ensure_streams(
    js: JetStreamContext, limits: Limits = Limits(), replicas: int = 1
) -> None:
    """Create the event, dead-letter and advisory streams, or bring their limits up to date;
    each kept on ``replicas`` nodes of the cluster."""
    for name, subjects, kept in (
        (EVENTS_STREAM, [f"{EVENTS_PREFIX}.>"], limits.events),
        (DEAD_LETTER_STREAM, [f"{DEAD_LETTER_PREFIX}.>"], limits.dead_letters),
        (ADVISORIES_STREAM, [MAX_DELIVERIES_ADVISORIES], limits.advisories),
    ):
        config = StreamConfig(
            name=name,
            subjects=subjects,
            storage=StorageType.FILE,
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
            max_age=kept.max_age_seconds,
            max_bytes=kept.max_bytes,
            num_replicas=replicas,
        )
        try:
            await js.add_stream(config)
        except BadRequestError:
            await js.update_stream(config)


async def ensure_consumers(
    js: JetStreamContext,
    subjects: Mapping[str, Sequence[str]],
    ack_wait: float = ACK_WAIT_SECONDS,
    max_attempts: int = 5,
    keep_trying: Collection[str] = (),
    replicas: int = 1,
) -> None:
    """One durable consumer per service, filtering that service's subjects, its state kept on
    ``replicas`` nodes. Any number of processes may pull from it: each message goes to one."""
    deliveries = max_attempts + 1
    for durable, filters in subjects.items():
        bound = UNBOUNDED if durable in keep_trying else deliveries
        config = ConsumerConfig(
            durable_name=durable,
            filter_subjects=list(filters),
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=ack_wait,
            max_deliver=bound,
            # Unacknowledged (the consumer died mid-try): wait longer before each redelivery.
            backoff=[ack_wait * 2**n for n in range(deliveries - 1)],
            max_ack_pending=1000,
            num_replicas=replicas,
        )
        await js.add_consumer(EVENTS_STREAM, config)
