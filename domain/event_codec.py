"""Events on the wire: CloudEvents (structured JSON) and stored payloads.

CloudEvents ``id`` is the ``event_id``, ``subject`` the order id, ``type`` the
event's ``ce_type`` and ``data`` the event body. Old stored payloads pass
through ``UPCASTERS`` until they reach the version the code knows, so a v1
event written last year still decodes after a v2 lands.
"""

from collections.abc import Callable
from typing import Any

from cloudevents.core.exceptions import BaseCloudEventException
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from domain.events import EVENT_ADAPTER, EVENT_TYPES_BY_CE_TYPE, DomainEvent, Event

SOURCE = "urn:mariospizzeria"
ENVELOPE_FIELDS = frozenset({"event_id", "order_id", "occurred_at", "type"})

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
# (event type, version) -> function that turns that version's payload into the next one.
UPCASTERS: dict[tuple[str, int], Upcaster] = {}


class UnknownEventType(ValueError):
    """The CloudEvent's type is not in the catalogue."""


class MalformedCloudEvent(ValueError):
    """The bytes are not a valid CloudEvent, or its data does not fit the event."""


def to_cloudevent(event: DomainEvent, source: str = SOURCE) -> CloudEvent:
    """Wrap a domain event in a CloudEvent."""
    body = event.model_dump(mode="json", exclude=set(ENVELOPE_FIELDS))
    attributes = {
        "id": str(event.event_id),
        "source": source,
        "type": event.ce_type,
        "subject": event.order_id,
        "time": event.occurred_at,
        "datacontenttype": "application/json",
    }
    return CloudEvent(attributes=attributes, data=body)


def from_cloudevent(cloudevent: CloudEvent) -> Event:
    """Unwrap a CloudEvent; ``UnknownEventType`` or pydantic's ``ValidationError`` if it fails."""
    cls = EVENT_TYPES_BY_CE_TYPE.get(cloudevent.get_type())
    if cls is None:
        raise UnknownEventType(f"unknown event type '{cloudevent.get_type()}'")
    data = cloudevent.get_data()
    if not isinstance(data, dict):
        raise MalformedCloudEvent("CloudEvent data must be a JSON object")
    payload = {
        **data,
        "event_id": cloudevent.get_id(),
        "order_id": cloudevent.get_subject(),
        "occurred_at": cloudevent.get_time(),
        "type": cls.__name__,
    }
    return decode(payload)


def to_json(event: DomainEvent, source: str = SOURCE) -> bytes:
    """Structured-mode CloudEvent JSON."""
    return JSONFormat().write(to_cloudevent(event, source))


def from_json(raw: bytes) -> Event:
    """Parse structured-mode CloudEvent JSON into a domain event."""
    try:
        cloudevent = JSONFormat().read(None, raw)
    except (BaseCloudEventException, ValueError) as exc:
        raise MalformedCloudEvent(f"not a valid CloudEvent: {exc}") from exc
    assert isinstance(cloudevent, CloudEvent)
    return from_cloudevent(cloudevent)


def encode(event: DomainEvent) -> dict[str, Any]:
    """The JSON-ready payload stored in the event log and outbox."""
    return event.model_dump(mode="json")


def decode(payload: dict[str, Any]) -> Event:
    """Rebuild an event from a stored payload, upcasting old versions first."""
    payload = upcast(dict(payload))
    return EVENT_ADAPTER.validate_python(payload)


def upcast(payload: dict[str, Any]) -> dict[str, Any]:
    """Apply registered upcasters until no newer version is known."""
    version = int(payload.get("version", 1))
    while (step := UPCASTERS.get((str(payload.get("type")), version))) is not None:
        payload = step(payload)
        version += 1
        payload["version"] = version
    return payload


__all__ = [
    "MalformedCloudEvent",
    "UnknownEventType",
    "decode",
    "encode",
    "from_cloudevent",
    "from_json",
    "to_cloudevent",
    "to_json",
]
