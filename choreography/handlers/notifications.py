"""The notification service's reactions: tell the customer, never hold the order up.

An outage is retried by redelivery (the channels that went through are not
sent twice: their keys are the same); on the last delivery the failing channel
ends as NotificationFailed, like the saga's notifier after its retries.
"""

from choreography.deps import Deps
from choreography.model import Change, Delivery
from domain.errors import ProviderUnavailable
from domain.events import (
    Channel,
    DomainEvent,
    NotificationFailed,
    NotificationSent,
    OrderCancelled,
    OrderConfirmed,
    OrderDelayed,
    OrderOutForDelivery,
    OrderRejected,
    Purpose,
)
from domain.order import Customer
from services.messages import SendNotification

Noticed = OrderConfirmed | OrderRejected | OrderCancelled | OrderDelayed | OrderOutForDelivery
BOTH: tuple[Channel, ...] = ("sms", "email")
WHAT_TO_SEND: dict[type[DomainEvent], tuple[Purpose, tuple[Channel, ...]]] = {
    OrderConfirmed: ("confirmation", BOTH),
    OrderRejected: ("rejection", BOTH),
    OrderCancelled: ("cancellation", BOTH),
    OrderDelayed: ("delay", ("sms",)),
    OrderOutForDelivery: ("out_for_delivery", ("sms",)),
}


def details(event: DomainEvent) -> dict[str, str]:
    """What the message mentions besides the template (the saga passes the same)."""
    if isinstance(event, OrderConfirmed):
        return {"ticket": event.ticket_id}
    if isinstance(event, OrderDelayed):
        return {"stage": event.stage}
    return {}


async def notify_customer(delivery: Delivery[Noticed], deps: Deps) -> Change:
    """Text and/or email the customer about ``delivery.event``."""
    cause = delivery.event
    purpose, channels = WHAT_TO_SEND[type(cause)]
    customer = (await deps.load(cause.order_id)).order.customer
    outcomes: list[DomainEvent] = []
    outage: ProviderUnavailable | None = None
    for channel in channels:
        request = _request(cause, channel, purpose, customer, deps)
        step = f"notify/{channel}"
        try:
            await deps.services.notifications.send(request)
        except ProviderUnavailable as error:
            outage = error
            failed = deps.caused(
                NotificationFailed, cause, step, channel=channel, purpose=purpose, reason=str(error)
            )
            outcomes.append(failed)
            continue
        outcomes.append(
            deps.caused(NotificationSent, cause, step, channel=channel, purpose=purpose)
        )
    if outage is not None and not delivery.final:
        raise outage
    return Change(events=tuple(outcomes))


def _request(
    cause: DomainEvent, channel: Channel, purpose: Purpose, customer: Customer, deps: Deps
) -> SendNotification:
    return SendNotification(
        order_id=cause.order_id,
        idempotency_key=deps.key(cause, f"notify/{purpose}/{channel}"),
        channel=channel,
        purpose=purpose,
        recipient=customer.phone if channel == "sms" else customer.email,
        customer_name=customer.name,
        details=details(cause),
    )
