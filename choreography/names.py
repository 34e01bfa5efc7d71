"""Every name on the choreography's wire, defined once: streams, subjects, consumers.

A subject is derived from the event's CloudEvents type, so the contract names
the subject: ``com.mariospizzeria.order.placed.v2`` travels on
``pizzeria.events.order.placed.v2``. A consumer also listens on the subjects of
older versions that still decode, so what an older release left in the outbox
or the stream is still handled.
"""

from domain.event_codec import legacy_ce_types
from domain.events import DomainEvent

EVENTS_STREAM = "PIZZERIA_EVENTS"
EVENTS_PREFIX = "pizzeria.events"
DEAD_LETTER_STREAM = "PIZZERIA_DEADLETTERS"
DEAD_LETTER_PREFIX = "pizzeria.deadletters"
ADVISORIES_STREAM = "PIZZERIA_ADVISORIES"
MAX_DELIVERIES_ADVISORIES = f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{EVENTS_STREAM}.*"
ADVISORY_KEEPER = "deadletter-keeper"
CE_TYPE_PREFIX = "com.mariospizzeria."
# Core NATS, in no stream: "the outbox has new rows", rung after a commit (``outbox_bell``).
OUTBOX_NEWS = "pizzeria.outbox.news"

# Headers a dead letter carries besides the original CloudEvent body.
HEADER_CONSUMER = "Pizzeria-Consumer"
HEADER_SUBJECT = "Pizzeria-Subject"
HEADER_ERROR = "Pizzeria-Error"
HEADER_ATTEMPTS = "Pizzeria-Attempts"
MSG_ID = "Nats-Msg-Id"


def subject_for(event: type[DomainEvent] | DomainEvent) -> str:
    """The subject an event type travels on."""
    return _subject(event.ce_type)


def subjects_for(cls: type[DomainEvent]) -> list[str]:
    """Every subject an event type may arrive on: its own, and its older versions'."""
    return [_subject(ce_type) for ce_type in (cls.ce_type, *legacy_ce_types(cls))]


def _subject(ce_type: str) -> str:
    return f"{EVENTS_PREFIX}.{ce_type.removeprefix(CE_TYPE_PREFIX)}"


def dead_letter_subject(consumer: str) -> str:
    """Where a consumer parks the messages it gave up on."""
    return f"{DEAD_LETTER_PREFIX}.{consumer}"
