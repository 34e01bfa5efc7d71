"""Phone, email and address reach only the owner, admins, and a driver who may deliver the order."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from api.auth.principal import Principal
from api.views import order_response
from domain.order import OrderItem, OrderStatus
from infra.settings import Settings
from services.messages import OrderContact, OrderView, TimelineEntry

AT = datetime(2026, 11, 23, 12, tzinfo=UTC)
CONTACT = OrderContact(
    name="Ada", phone="+39 055 1234567", email="ada@example.com", delivery_address="Via Roma 1"
)
PLACED = TimelineEntry(
    type="OrderPlaced",
    occurred_at=AT,
    event_id="e1",
    data={
        "customer_id": "cust-42",
        "customer_name": "Ada",
        "customer_phone": "+39 055 1234567",
        "customer_email": "ada@example.com",
        "delivery_address": "Via Roma 1",
        "total": "27.00",
    },
)
SMS = TimelineEntry(
    type="NotificationSent",
    occurred_at=AT,
    event_id="e2",
    data={"channel": "sms", "recipient": "+39 055 1234567", "purpose": "confirmed"},
)
PERSONAL = ("Ada", "+39 055 1234567", "ada@example.com", "Via Roma 1")


def view(status: OrderStatus, driver_id: str | None = None) -> OrderView:
    timeline = [PLACED, SMS]
    if driver_id is not None:
        pickup = TimelineEntry(
            type="OrderOutForDelivery", occurred_at=AT, event_id="e3", data={"driver_id": driver_id}
        )
        timeline.append(pickup)
    return OrderView(
        order_id="o1",
        status=status,
        customer_id="cust-42",
        total=Decimal("27.00"),
        items=[OrderItem(pizza="margherita", size="large", quantity=2)],
        contact=CONTACT,
        timeline=timeline,
    )


def shown(viewer: Principal, stored: OrderView) -> str:
    return order_response(Settings(_env_file=None), viewer, stored).model_dump_json()


@pytest.mark.parametrize(
    "viewer",
    [Principal("cust-42", "customer"), Principal("admin", "admin")],
    ids=["owner", "admin"],
)
def test_the_owner_and_admins_see_every_detail(viewer) -> None:
    text = shown(viewer, view(OrderStatus.CONFIRMED))

    assert all(detail in text for detail in PERSONAL)


@pytest.mark.parametrize(
    ("viewer", "stored"),
    [
        (Principal("kitchen-1", "kitchen"), view(OrderStatus.COOKING)),
        (Principal("kitchen-1", "kitchen"), view(OrderStatus.READY)),
        (Principal("driver-7", "driver"), view(OrderStatus.CONFIRMED)),
        (Principal("driver-7", "driver"), view(OrderStatus.OUT_FOR_DELIVERY, "driver-9")),
        (Principal("driver-7", "driver"), view(OrderStatus.DELIVERED, "driver-7")),
    ],
    ids=["kitchen cooking", "kitchen ready", "driver too early", "other driver's", "delivered"],
)
def test_others_see_no_personal_detail_anywhere(viewer, stored) -> None:
    text = shown(viewer, stored)

    assert not any(detail in text for detail in PERSONAL)
    assert '"customer":null' in text
    assert "27.00" in text


@pytest.mark.parametrize(
    "stored",
    [view(OrderStatus.READY), view(OrderStatus.OUT_FOR_DELIVERY, "driver-7")],
    ids=["ready", "out with this driver"],
)
def test_a_driver_who_may_deliver_sees_name_phone_and_address_but_not_email(stored) -> None:
    text = shown(Principal("driver-7", "driver"), stored)

    assert all(detail in text for detail in ("Ada", "+39 055 1234567", "Via Roma 1"))
    assert "ada@example.com" not in text
