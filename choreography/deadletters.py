"""Dead letters: what a consumer gave up on, listed and replayed by ``pizzeria deadletters``.

Replaying republishes the original CloudEvent on its original subject under a
new message id. Every consumer of that subject sees it again; those that
handled it already skip it by their inbox, the one that failed handles it.
"""

from dataclasses import dataclass

from nats.js import JetStreamContext
from nats.js.api import RawStreamMsg
from nats.js.errors import NotFoundError

from choreography.names import (
    DEAD_LETTER_STREAM,
    HEADER_ATTEMPTS,
    HEADER_CONSUMER,
    HEADER_ERROR,
    HEADER_SUBJECT,
    MSG_ID,
)
from domain.event_codec import from_json


@dataclass(frozen=True)
class DeadLetter:
    """One parked message: where it failed, why, and what it was."""

    seq: int
    consumer: str
    subject: str
    error: str
    attempts: int
    event_id: str
    event_type: str
    order_id: str


async def list_dead_letters(js: JetStreamContext) -> list[DeadLetter]:
    """Every dead letter still parked, oldest first."""
    info = await js.stream_info(DEAD_LETTER_STREAM)
    letters: list[DeadLetter] = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        message = await _get(js, seq)
        if message is not None:
            letters.append(_letter(message))
    return letters


async def replay(js: JetStreamContext, seq: int) -> DeadLetter:
    """Put dead letter ``seq`` back on its subject and remove it from the dead letters."""
    message = await _get(js, seq)
    if message is None:
        raise LookupError(f"no dead letter with sequence {seq}; see `pizzeria deadletters list`")
    letter = _letter(message)
    headers = {MSG_ID: f"{letter.event_id}/replay/{seq}"}
    await js.publish(letter.subject, message.data or b"", headers=headers)
    await js.delete_msg(DEAD_LETTER_STREAM, seq)
    return letter


async def _get(js: JetStreamContext, seq: int) -> RawStreamMsg | None:
    if seq <= 0:
        return None
    try:
        return await js.get_msg(DEAD_LETTER_STREAM, seq)
    except NotFoundError:
        return None


def _letter(message: RawStreamMsg) -> DeadLetter:
    headers = message.headers or {}
    try:
        event = from_json(message.data or b"")
        event_id, event_type, order_id = str(event.event_id), str(event.type), event.order_id
    except ValueError:
        event_id, event_type, order_id = "?", "unreadable", "?"
    return DeadLetter(
        seq=message.seq or 0,
        consumer=headers.get(HEADER_CONSUMER, "?"),
        subject=headers.get(HEADER_SUBJECT, "?"),
        error=headers.get(HEADER_ERROR, ""),
        attempts=int(headers.get(HEADER_ATTEMPTS, "0")),
        event_id=event_id,
        event_type=event_type,
        order_id=order_id,
    )
