"""The saga's activities in ActivityEnvironment over a real database: refusals are final,
outages are retryable, and a repeated call has one effect."""

from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.order import OrderActivities
from domain.events import OrderPlaced
from domain.order import OrderItem, OrderStatus
from services.container import Services
from services.messages import (
    ChargePayment,
    Fault,
    MoveTicket,
    OpenTicket,
    OrderSnapshot,
    RecordEvents,
    RefundPayment,
    ReserveStock,
    SendNotification,
    SendNotifications,
)

ITEMS = [OrderItem(pizza="margherita", size="large", quantity=2)]


@pytest.fixture
def activities(services: Services) -> OrderActivities:
    return OrderActivities(services)


@pytest.fixture
def env() -> ActivityEnvironment:
    return ActivityEnvironment()


async def test_a_declined_payment_is_a_non_retryable_error_named_after_the_refusal(
    env: ActivityEnvironment, activities: OrderActivities, services: Services
) -> None:
    await services.faults.set("payments", Fault(mode="decline"))
    request = ChargePayment(
        order_id="o-1", idempotency_key="k-1", customer_id="c", amount=Decimal("27.00")
    )
    with pytest.raises(ApplicationError) as error:
        await env.run(activities.charge_payment, request)
    assert error.value.type == "PaymentDeclined"
    assert error.value.non_retryable


async def test_out_of_stock_is_a_non_retryable_error(
    env: ActivityEnvironment, activities: OrderActivities
) -> None:
    huge = [OrderItem(pizza="margherita", size="large", quantity=20)] * 20
    await env.run(
        activities.reserve_inventory,
        ReserveStock(order_id="o-0", idempotency_key="k-0", items=huge),
    )
    with pytest.raises(ApplicationError) as error:
        await env.run(
            activities.reserve_inventory,
            ReserveStock(order_id="o-1", idempotency_key="k-1", items=huge),
        )
    assert error.value.type == "OutOfStock" and error.value.non_retryable


async def test_a_provider_outage_stays_retryable(
    env: ActivityEnvironment, activities: OrderActivities, services: Services
) -> None:
    await services.faults.set("kitchen", Fault(mode="down", remaining=1))
    request = OpenTicket(order_id="o-1", idempotency_key="k-1", items=ITEMS)
    with pytest.raises(ApplicationError) as error:
        await env.run(activities.open_kitchen_ticket, request)
    assert error.value.type == "ProviderUnavailable" and not error.value.non_retryable
    ticket = await env.run(activities.open_kitchen_ticket, request)
    assert ticket.status == "queued"


async def test_repeating_a_charge_with_its_key_charges_once(
    env: ActivityEnvironment, activities: OrderActivities, services: Services
) -> None:
    request = ChargePayment(
        order_id="o-1", idempotency_key="k-1", customer_id="c", amount=Decimal("27.00")
    )
    first = await env.run(activities.charge_payment, request)
    again = await env.run(activities.charge_payment, request)
    assert first == again
    assert [entry.kind for entry in await services.payments.ledger("o-1")] == ["charge"]
    refund = RefundPayment(order_id="o-1", idempotency_key="k-2")
    assert (await env.run(activities.refund_payment, refund)).amount == Decimal("27.00")
    assert (await env.run(activities.refund_payment, refund)).amount == Decimal("27.00")
    assert await services.payments.balance("o-1") == Decimal("0")


async def test_repeating_a_text_with_its_key_sends_one_sms(
    env: ActivityEnvironment, activities: OrderActivities, services: Services
) -> None:
    request = SendNotification(
        order_id="o-1",
        idempotency_key="k-1",
        channel="sms",
        purpose="confirmation",
        recipient="+39 055 1234",
        customer_name="Ada",
    )
    first = await env.run(activities.send_notification, request)
    again = await env.run(activities.send_notification, request)
    assert first == again
    assert len(await services.notifications.sent("o-1")) == 1


def _both_channels(purpose: str = "confirmation") -> SendNotifications:
    return SendNotifications(
        notifications=[
            SendNotification(
                order_id="o-1",
                idempotency_key=f"k-{channel}",
                channel=channel,
                purpose=purpose,
                recipient=recipient,
                customer_name="Ada",
            )
            for channel, recipient in (("sms", "+39 055 1234"), ("email", "ada@example.com"))
        ]
    )


async def test_one_activity_sends_every_channel_of_a_purpose_once_each(
    env: ActivityEnvironment, activities: OrderActivities, services: Services
) -> None:
    first = await env.run(activities.send_notifications, _both_channels())
    again = await env.run(activities.send_notifications, _both_channels())

    assert first == again
    assert [receipt.channel for receipt in first.receipts] == ["sms", "email"]
    assert len(await services.notifications.sent("o-1")) == 2


async def test_a_channel_that_is_down_is_named_and_retried_while_the_other_is_sent_once(
    env: ActivityEnvironment, activities: OrderActivities, services: Services
) -> None:
    await services.faults.set("sms", Fault(mode="down"))
    with pytest.raises(ApplicationError) as failure:
        await env.run(activities.send_notifications, _both_channels())
    assert not failure.value.non_retryable
    assert set(failure.value.details[0]) == {"sms"}

    await services.faults.clear("sms")
    await env.run(activities.send_notifications, _both_channels())
    sent = await services.notifications.sent("o-1")
    assert sorted(n.channel for n in sent) == ["email", "sms"]


async def test_recording_events_twice_appends_them_once_and_counts_them_once(
    env: ActivityEnvironment, activities: OrderActivities, services: Services
) -> None:
    placed = OrderPlaced(
        event_id=uuid4(),
        order_id="o-1",
        occurred_at=datetime.now(UTC),
        customer_id="c",
        items=ITEMS,
        total=Decimal("27.00"),
    )
    snapshot = OrderSnapshot(
        order_id="o-1",
        status=OrderStatus.PLACED,
        customer_id="c",
        total=Decimal("27.00"),
        items=ITEMS,
    )
    request = RecordEvents(snapshot=snapshot, events=[placed])
    await env.run(activities.record_events, request)
    await env.run(activities.record_events, request)

    view = await services.orders.get("o-1")
    assert view is not None and [entry.type for entry in view.timeline] == ["OrderPlaced"]
    assert (await services.analytics.metrics()).placed == 1


async def test_a_ticket_move_riding_on_a_record_moves_the_ticket_once_and_only_forward(
    env: ActivityEnvironment, activities: OrderActivities, services: Services
) -> None:
    await env.run(
        activities.open_kitchen_ticket,
        OpenTicket(order_id="o-1", idempotency_key="k-open", items=ITEMS),
    )
    snapshot = OrderSnapshot(
        order_id="o-1",
        status=OrderStatus.READY,
        customer_id="c",
        total=Decimal("27.00"),
        items=ITEMS,
    )
    ready = MoveTicket(order_id="o-1", idempotency_key="k-ready", status="ready")
    cooking = MoveTicket(order_id="o-1", idempotency_key="k-cooking", status="cooking")

    await env.run(
        activities.record_events, RecordEvents(snapshot=snapshot, events=[], ticket=ready)
    )
    await env.run(
        activities.record_events, RecordEvents(snapshot=snapshot, events=[], ticket=ready)
    )
    # A late retry of the earlier move must not walk the ticket back.
    await env.run(
        activities.record_events, RecordEvents(snapshot=snapshot, events=[], ticket=cooking)
    )

    ticket = await services.kitchen.ticket("o-1")
    assert ticket is not None and ticket.status == "ready"


async def test_one_record_is_one_commit_for_log_view_analytics_and_ticket(
    env: ActivityEnvironment, activities: OrderActivities, services: Services, engine: AsyncEngine
) -> None:
    await env.run(
        activities.open_kitchen_ticket,
        OpenTicket(order_id="o-1", idempotency_key="k-open", items=ITEMS),
    )
    snapshot = OrderSnapshot(
        order_id="o-1",
        status=OrderStatus.COOKING,
        customer_id="c",
        total=Decimal("27"),
        items=ITEMS,
    )
    placed = OrderPlaced(
        event_id=uuid4(), order_id="o-1", occurred_at=datetime.now(UTC), customer_id="c",
        items=ITEMS, total=Decimal("27.00"),
    )  # fmt: skip
    cooking = MoveTicket(order_id="o-1", idempotency_key="k-cooking", status="cooking")
    commits: list[object] = []

    def count_commit(connection: object) -> None:
        commits.append(connection)

    event.listen(engine.sync_engine, "commit", count_commit)
    try:
        request = RecordEvents(snapshot=snapshot, events=[placed], ticket=cooking)
        await env.run(activities.record_events, request)
    finally:
        event.remove(engine.sync_engine, "commit", count_commit)

    assert len(commits) == 1
    ticket, metrics = await services.kitchen.ticket("o-1"), await services.analytics.metrics()
    assert ticket is not None and ticket.status == "cooking"
    assert metrics.placed == 1
    view = await services.orders.get("o-1")
    assert view is not None and view.status == OrderStatus.COOKING
