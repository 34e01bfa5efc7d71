"""Every catalogue event survives a CloudEvents round trip; old versions keep decoding."""

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from pydantic import ValidationError

from domain import event_codec
from domain.event_codec import MalformedCloudEvent, UnknownEventType, from_json, to_json
from domain.events import EVENT_CLASSES, DomainEvent, OrderDelayed, OrderPlaced, PaymentProcessed
from domain.order import OrderItem

CATALOGUE = [
    "OrderPlaced",
    "InventoryReserved",
    "InventoryReservationFailed",
    "InventoryLow",
    "InventoryReleased",
    "PaymentProcessed",
    "PaymentFailed",
    "PaymentRefunded",
    "OrderConfirmed",
    "OrderCookingStarted",
    "OrderReady",
    "OrderOutForDelivery",
    "OrderDelivered",
    "OrderCancelled",
    "OrderRejected",
    "OrderDelayed",
    "NotificationSent",
    "NotificationFailed",
]

SAMPLE_FIELDS: dict[str, Any] = {
    "customer_id": "c-1",
    "customer_name": "Ada",
    "customer_phone": "+39 055 1234",
    "customer_email": "ada@example.com",
    "items": [OrderItem(pizza="margherita", size="small", quantity=1)],
    "total": Decimal("8.50"),
    "amount": Decimal("8.50"),
    "delivery_address": "Via Roma 1",
    "ingredients": {"dough": 1},
    "reason": "because",
    "ingredient": "basil",
    "remaining": 3,
    "threshold": 20,
    "payment_id": "pay-1",
    "ticket_id": "t-1",
    "cancelled_by": "customer",
    "stage": "cooking",
    "deadline": datetime(2026, 1, 1, 12, tzinfo=UTC),
    "channel": "sms",
    "purpose": "confirmation",
}


def sample(cls: type[DomainEvent]) -> DomainEvent:
    fields = {name: SAMPLE_FIELDS[name] for name in cls.model_fields if name in SAMPLE_FIELDS}
    envelope = {"event_id": uuid4(), "order_id": "o-1", "occurred_at": datetime.now(UTC)}
    return cls(**envelope, **fields)


def test_the_catalogue_is_exactly_the_designed_one() -> None:
    assert sorted(EVENT_CLASSES) == sorted(CATALOGUE)


@pytest.mark.parametrize("name", CATALOGUE)
def test_every_event_round_trips_through_a_structured_cloudevent(name: str) -> None:
    event = sample(EVENT_CLASSES[name])
    raw = to_json(event)
    envelope = json.loads(raw)
    assert envelope["id"] == str(event.event_id)
    assert envelope["subject"] == "o-1"
    assert envelope["type"] == event.ce_type
    assert envelope["type"].startswith("com.mariospizzeria.")
    assert envelope["type"].endswith(f".v{event.version}")
    assert from_json(raw) == event


def test_events_are_immutable() -> None:
    event = sample(PaymentProcessed)
    with pytest.raises(ValidationError):
        event.amount = Decimal("0")  # type: ignore[misc]


def test_money_travels_as_a_decimal_string() -> None:
    body = json.loads(to_json(sample(PaymentProcessed)))["data"]
    assert body["amount"] == "8.50"


def test_unknown_cloudevent_type_is_refused() -> None:
    raw = to_json(sample(OrderPlaced)).replace(b"order.placed.v2", b"order.teleported.v1")
    with pytest.raises(UnknownEventType, match=r"order\.teleported\.v1"):
        from_json(raw)


def test_cloudevent_without_required_attributes_is_malformed() -> None:
    with pytest.raises(MalformedCloudEvent):
        from_json(b'{"specversion": "1.0", "id": "x"}')


def test_cloudevent_with_bad_data_fails_validation() -> None:
    envelope = json.loads(to_json(sample(OrderDelayed)))
    envelope["data"]["stage"] = "teleporting"
    with pytest.raises(ValidationError):
        from_json(json.dumps(envelope).encode())


def test_a_new_optional_field_from_a_newer_producer_is_tolerated() -> None:
    envelope = json.loads(to_json(sample(PaymentProcessed)))
    envelope["data"]["currency"] = "EUR"
    assert from_json(json.dumps(envelope).encode()).type == "PaymentProcessed"


def test_stored_old_versions_are_upcast_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    # Pretend v0 of OrderDelayed named the stage "phase"; an upcaster renames it.
    def rename_phase(payload: dict[str, Any]) -> dict[str, Any]:
        payload["stage"] = payload.pop("phase")
        return payload

    monkeypatch.setitem(event_codec.UPCASTERS, ("OrderDelayed", 0), rename_phase)
    stored = event_codec.encode(sample(OrderDelayed))
    stored["phase"] = stored.pop("stage")
    stored["version"] = 0
    event = event_codec.decode(stored)
    assert isinstance(event, OrderDelayed)
    assert event.stage == "cooking" and event.version == 1
    assert isinstance(event.event_id, UUID)


V1_CONTACT = {
    "customer_name": "Ada",
    "customer_phone": "+39 055 1234",
    "customer_email": "ada@example.com",
    "delivery_address": "Via Roma 1",
}


def v1_placed_cloudevent() -> dict[str, Any]:
    """OrderPlaced as the release before v2 wrote it to the outbox and the bus."""
    envelope = json.loads(to_json(sample(OrderPlaced)))
    envelope["type"] = "com.mariospizzeria.order.placed.v1"
    envelope["data"] |= V1_CONTACT | {"version": 1}
    return envelope


def test_order_placed_v2_carries_no_personal_data() -> None:
    assert OrderPlaced.ce_type == "com.mariospizzeria.order.placed.v2"
    assert set(V1_CONTACT).isdisjoint(OrderPlaced.model_fields)
    data = json.loads(to_json(sample(OrderPlaced)))["data"]
    assert set(data) == {"customer_id", "items", "total", "version"}


def test_a_v1_order_placed_from_the_event_log_decodes_as_v2_without_contact() -> None:
    stored = event_codec.encode(sample(OrderPlaced)) | V1_CONTACT | {"version": 1}
    event = event_codec.decode(stored)
    assert isinstance(event, OrderPlaced) and event.version == 2
    assert event.customer_id == "c-1" and event.total == Decimal("8.50")
    assert not set(V1_CONTACT) & set(event_codec.encode(event))


def test_a_v1_order_placed_cloudevent_from_an_old_outbox_decodes_as_v2() -> None:
    raw = json.dumps(v1_placed_cloudevent()).encode()
    event = from_json(raw)
    assert isinstance(event, OrderPlaced) and event.version == 2
    assert event.items == SAMPLE_FIELDS["items"]
    assert "ada@example.com" not in event.model_dump_json()


def test_the_cloudevent_type_not_the_data_says_which_version_it_is() -> None:
    envelope = json.loads(to_json(sample(OrderPlaced)))
    envelope["data"]["version"] = 1  # a v2 type: its data is v2 whatever it claims
    assert from_json(json.dumps(envelope).encode()).version == 2
