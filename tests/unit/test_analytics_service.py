"""Analytics: each event counts once, revenue is confirmed totals minus refunds, per day."""

from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

from domain.events import (
    Event,
    OrderCancelled,
    OrderConfirmed,
    OrderDelayed,
    OrderPlaced,
    PaymentRefunded,
)
from domain.menu import Size
from domain.order import OrderItem
from services.container import Services

MONDAY = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TUESDAY = datetime(2026, 3, 3, 9, 30, tzinfo=UTC)


def placed(order_id: str, at: datetime = MONDAY) -> OrderPlaced:
    return OrderPlaced(
        event_id=uuid4(),
        order_id=order_id,
        occurred_at=at,
        customer_id="c1",
        items=[OrderItem(pizza="margherita", size=Size.SMALL, quantity=1)],
        total=Decimal("8.50"),
    )


def confirmed(order_id: str, total: str, at: datetime = MONDAY) -> OrderConfirmed:
    return OrderConfirmed(
        event_id=uuid4(), order_id=order_id, occurred_at=at, ticket_id="t", total=Decimal(total)
    )


async def test_counts_orders_by_outcome_and_sums_confirmed_revenue(services: Services) -> None:
    events: list[Event] = [
        placed("o1"),
        confirmed("o1", "8.50"),
        placed("o2"),
        confirmed("o2", "13.50"),
        OrderDelayed(
            event_id=uuid4(), order_id="o2", occurred_at=MONDAY, stage="cooking", deadline=MONDAY
        ),
    ]
    for event in events:
        await services.analytics.record(event)

    metrics = await services.analytics.metrics()

    assert (metrics.placed, metrics.confirmed, metrics.delayed) == (2, 2, 1)
    assert metrics.revenue == Decimal("22.00")


async def test_the_same_event_delivered_twice_counts_once(services: Services) -> None:
    event = confirmed("o1", "8.50")

    await services.analytics.record(event)
    await services.analytics.record(event)

    metrics = await services.analytics.metrics()
    assert (metrics.confirmed, metrics.revenue) == (1, Decimal("8.50"))


async def test_refunds_come_off_the_revenue_and_cancellations_are_counted(
    services: Services,
) -> None:
    await services.analytics.record(confirmed("o1", "11.00"))
    await services.analytics.record(
        PaymentRefunded(
            event_id=uuid4(),
            order_id="o1",
            occurred_at=MONDAY,
            payment_id="p",
            amount=Decimal("11.00"),
        )
    )
    await services.analytics.record(
        OrderCancelled(
            event_id=uuid4(),
            order_id="o1",
            occurred_at=MONDAY,
            reason="changed my mind",
            cancelled_by="customer",
        )
    )

    metrics = await services.analytics.metrics()
    assert (metrics.cancelled, metrics.revenue) == (1, Decimal("0.00"))


async def test_metrics_are_kept_per_utc_day(services: Services) -> None:
    await services.analytics.record(placed("o1", MONDAY))
    await services.analytics.record(placed("o2", TUESDAY))
    await services.analytics.record(confirmed("o2", "8.50", TUESDAY))

    days = (await services.analytics.metrics()).days

    assert [(d.day, d.placed, d.confirmed, d.revenue) for d in days] == [
        ("2026-03-02", 1, 0, Decimal("0.00")),
        ("2026-03-03", 1, 1, Decimal("8.50")),
    ]


async def test_no_events_means_zero_metrics(services: Services) -> None:
    metrics = await services.analytics.metrics()

    assert (metrics.placed, metrics.revenue, metrics.days) == (0, Decimal("0.00"), [])


def refunded(order_id: str, amount: str, at: datetime = MONDAY) -> PaymentRefunded:
    return PaymentRefunded(
        event_id=uuid4(), order_id=order_id, occurred_at=at, payment_id="p", amount=Decimal(amount)
    )


async def test_a_refund_of_a_never_confirmed_order_takes_no_revenue(services: Services) -> None:
    await services.analytics.record(placed("o1"), confirmed("o1", "8.50"), placed("o2"))

    await services.analytics.record(refunded("o2", "13.50"))

    assert (await services.analytics.metrics()).revenue == Decimal("8.50")


async def test_a_refund_counted_before_its_confirmation_still_nets_to_zero(
    services: Services,
) -> None:
    await services.analytics.record(refunded("o1", "8.50"))
    await services.analytics.record(confirmed("o1", "8.50"))

    metrics = await services.analytics.metrics()

    assert (metrics.confirmed, metrics.revenue) == (1, Decimal("0.00"))
