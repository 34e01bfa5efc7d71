"""Events on the wire: CloudEvents (structured JSON, or binary over HTTP) and stored payloads.

CloudEvents ``id`` is the ``event_id``, ``subject`` the order id, ``type`` the
event's ``ce_type`` and ``data`` the event body. Old stored payloads pass
through ``UPCASTERS`` until they reach the version the code knows, so a v1
event written last year still decodes after a v2 lands.
"""

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from cloudevents.core.bindings.http import HTTPMessage, from_http_event
from cloudevents.core.exceptions import BaseCloudEventException
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

from domain.events import EVENT_ADAPTER, EVENT_TYPES_BY_CE_TYPE, DomainEvent, Event, OrderPlaced

SOURCE = "urn:mariospizzeria"
# Ids of events that clients send are made in this namespace and nowhere else.
CLIENT_EVENT_NAMESPACE = uuid.UUID("2f8d5c1e-93b4-4e0a-8c61-7d2a9e4b5f30")
ENVELOPE_FIELDS = frozenset({"event_id", "order_id", "occurred_at", "type"})

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
PLACED_V1_CONTACT = ("customer_name", "customer_phone", "customer_email", "delivery_address")


def placed_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    """OrderPlaced v2 no longer carries the customer's contact details."""
    return {key: value for key, value in payload.items() if key not in PLACED_V1_CONTACT}


# (event type, version) -> function that turns that version's payload into the next one.
UPCASTERS: dict[tuple[str, int], Upcaster] = {("OrderPlaced", 1): placed_v1_to_v2}
# CloudEvents types of older versions that may still arrive (outbox, bus, dead letters).
LEGACY_CE_TYPES: dict[str, tuple[type[DomainEvent], int]] = {
    "com.mariospizzeria.order.placed.v1": (OrderPlaced, 1),
}


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


def from_cloudevent(cloudevent: CloudEvent, event_id: str | None = None) -> Event:
    """Unwrap a CloudEvent; ``UnknownEventType`` or pydantic's ``ValidationError`` if it fails.

    The CloudEvents type names the version, so an older type is upcast. ``event_id``
    replaces the CloudEvent's ``id`` (see ``client_event_id``).
    """
    cls, version = event_class_of(cloudevent.get_type())
    data = cloudevent.get_data()
    if not isinstance(data, dict):
        raise MalformedCloudEvent("CloudEvent data must be a JSON object")
    payload = {
        **data,
        "event_id": event_id or cloudevent.get_id(),
        "order_id": cloudevent.get_subject(),
        "occurred_at": cloudevent.get_time(),
        "type": cls.__name__,
        "version": version,
    }
    return decode(payload)


def event_class_of(ce_type: str) -> tuple[type[DomainEvent], int]:
    """The event class a CloudEvents type stands for, and the version it was written in."""
    if ce_type in LEGACY_CE_TYPES:
        return LEGACY_CE_TYPES[ce_type]
    cls = EVENT_TYPES_BY_CE_TYPE.get(ce_type)
    if cls is None:
        raise UnknownEventType(f"unknown event type '{ce_type}'")
    return cls, int(cls.model_fields["version"].default)


def legacy_ce_types(cls: type[DomainEvent]) -> list[str]:
    """Older CloudEvents types of ``cls`` that still decode (and so are still subscribed to)."""
    return [ce_type for ce_type, (old, _) in LEGACY_CE_TYPES.items() if old is cls]


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


def client_event_id(source: str, client_id: str) -> str:
    """The event id for a client's CloudEvent ``(source, id)``.

    A UUIDv5 in a namespace of its own: never equal to an id the system made
    (those are v4, or v5 in other namespaces), and the same client event sent
    twice gets the same id, so the order still ignores the repeat.
    """
    return str(uuid.uuid5(CLIENT_EVENT_NAMESPACE, f"{source}\n{client_id}"))


def from_client(headers: Mapping[str, str], body: bytes) -> Event:
    """A client's CloudEvent over HTTP, in binary (``ce-*`` headers) or structured mode."""
    try:
        cloudevent = from_http_event(HTTPMessage(headers=dict(headers), body=body))
    except Exception as exc:  # the SDK raises many kinds for bad input; all are the sender's fault
        raise MalformedCloudEvent(f"not a valid CloudEvent: {exc}") from exc
    if not isinstance(cloudevent, CloudEvent):
        raise MalformedCloudEvent("only CloudEvents 1.0 are accepted (specversion '1.0')")
    event_id = client_event_id(cloudevent.get_source(), cloudevent.get_id())
    return from_cloudevent(cloudevent, event_id)


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
    "client_event_id",
    "decode",
    "encode",
    "from_client",
    "from_cloudevent",
    "from_json",
    "to_cloudevent",
    "to_json",
]
