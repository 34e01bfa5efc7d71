"""The business's own Prometheus metrics, named once, prefixed ``pizzeria_``.

Each is counted once per business fact. The order outcomes, stage durations,
SLA breaches and failed notifications are counted where both modes write a
fact down exactly once: when the orders read model's event log inserts a new
event row (``count_recorded``). A retried activity, a replayed workflow or a
redelivered message finds its row already there and counts nothing.
"""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import Counter, Gauge, Histogram

from domain.events import (
    Event,
    NotificationFailed,
    OrderCancelled,
    OrderDelayed,
    OrderDelivered,
    OrderPlaced,
    OrderRejected,
)

log = logging.getLogger("pizzeria.orders")
STAGE_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 2700, 3600, 7200)

ORDERS_PLACED = Counter("pizzeria_orders_placed", "Orders placed")
ORDERS_DELIVERED = Counter("pizzeria_orders_delivered", "Orders delivered to the customer")
ORDERS_CANCELLED = Counter("pizzeria_orders_cancelled", "Orders cancelled", ["cancelled_by"])
ORDERS_REJECTED = Counter("pizzeria_orders_rejected", "Orders rejected", ["reason"])
ORDERS_NEEDING_ATTENTION = Counter(
    "pizzeria_orders_needing_attention", "Orders handed to staff: an undo is past its retries"
)
STAGE_DURATION = Histogram(
    "pizzeria_order_stage_duration_seconds",
    "Time between two milestones of one order",
    ["stage"],
    buckets=STAGE_BUCKETS,
)
SLA_BREACHES = Counter("pizzeria_sla_breaches", "Orders past a stage's SLA", ["stage"])
NOTIFICATIONS_FAILED = Counter(
    "pizzeria_notifications_failed", "Customer notifications given up on", ["channel"]
)
COMPENSATIONS = Counter(
    "pizzeria_compensations", "Compensation steps run, by outcome", ["step", "outcome"]
)
OUTBOX_LAG = Gauge(
    "pizzeria_outbox_lag_seconds", "Age of the oldest event in the relay's last published batch"
)
OUTBOX_PUBLISHED = Counter("pizzeria_outbox_published", "Outbox events published to the broker")
DEAD_LETTERS = Counter("pizzeria_dead_letters", "Messages a consumer gave up on", ["consumer"])

STAGES: dict[str, tuple[str, str]] = {
    "OrderConfirmed": ("OrderPlaced", "placed_to_confirmed"),
    "OrderDelivered": ("OrderConfirmed", "confirmed_to_delivered"),
}
"""Event type that ends a stage: (the event type that started it, the stage's label)."""

_REJECTION_REASONS = (
    ("stock", "out_of_stock"),
    ("declined", "payment_declined"),
    ("limit", "payment_declined"),
    ("unavailable", "provider_unavailable"),
)


def rejection_reason(text: str) -> str:
    """A bounded label for a free-text rejection reason."""
    lowered = text.lower()
    return next((label for word, label in _REJECTION_REASONS if word in lowered), "other")


def count_recorded(event: Event, stage_starts: Mapping[str, datetime] | None = None) -> None:
    """Count (and log, one line) a newly recorded event; ``stage_starts``: type -> its time."""
    log.info("%s", event.type, extra={"order_id": event.order_id, "event_type": event.type})
    match event:
        case OrderPlaced():
            ORDERS_PLACED.inc()
        case OrderDelivered():
            ORDERS_DELIVERED.inc()
        case OrderCancelled(cancelled_by=who):
            ORDERS_CANCELLED.labels(who).inc()
        case OrderRejected(reason=reason):
            ORDERS_REJECTED.labels(rejection_reason(reason)).inc()
        case OrderDelayed(stage=late):
            SLA_BREACHES.labels(late).inc()
        case NotificationFailed(channel=channel):
            NOTIFICATIONS_FAILED.labels(channel).inc()
    start_type, stage = STAGES.get(event.type, ("", ""))
    started = (stage_starts or {}).get(start_type)
    if started is not None:
        seconds = (event.occurred_at - started).total_seconds()
        STAGE_DURATION.labels(stage).observe(max(seconds, 0.0))


@dataclass(frozen=True)
class ViewNews:
    """What a read-model update newly says about an order beyond its events."""

    compensations: Sequence[tuple[str, str]] = ()
    """New (step, outcome) compensation records."""
    needs_attention: bool = False
    """The order has just been handed to staff."""


def count_view_news(news: ViewNews) -> None:
    """Count compensation outcomes and hand-overs that have just been written down."""
    for step, outcome in news.compensations:
        COMPENSATIONS.labels(step, outcome).inc()
    if news.needs_attention:
        ORDERS_NEEDING_ATTENTION.inc()


def observe_outbox(oldest_created_at: datetime | None, now: datetime, published: int) -> None:
    """After a relay batch: how old its oldest event was, and how many went out."""
    lag = (now - oldest_created_at).total_seconds() if oldest_created_at else 0.0
    OUTBOX_LAG.set(max(lag, 0.0))
    OUTBOX_PUBLISHED.inc(published)
