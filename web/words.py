"""What the pages say: statuses, timeline events and undo steps in words a customer reads."""

from collections.abc import Mapping

from api.schemas import OrderResponse
from domain.order import OrderStatus

STATUS = {
    OrderStatus.PLACED: "Placed: we are checking stock and payment",
    OrderStatus.CONFIRMED: "Confirmed: waiting for the kitchen",
    OrderStatus.COOKING: "In the oven",
    OrderStatus.READY: "Ready: waiting for a driver",
    OrderStatus.OUT_FOR_DELIVERY: "On its way to you",
    OrderStatus.DELIVERED: "Delivered. Buon appetito!",
    OrderStatus.CANCELLED: "Cancelled",
    OrderStatus.REJECTED: "Rejected",
}
EVENTS = {
    "OrderPlaced": "Order placed",
    "InventoryReserved": "Ingredients set aside",
    "InventoryReservationFailed": "Some ingredients ran out",
    "InventoryLow": "Stock of an ingredient is running low",
    "InventoryReleased": "Ingredients put back on the shelf",
    "PaymentProcessed": "Payment taken",
    "PaymentFailed": "Payment did not go through",
    "PaymentRefunded": "Payment refunded",
    "OrderConfirmed": "Order confirmed",
    "OrderCookingStarted": "The kitchen started cooking",
    "OrderReady": "Ready for pickup",
    "OrderOutForDelivery": "A driver picked it up",
    "OrderDelivered": "Delivered",
    "OrderCancelled": "Order cancelled",
    "OrderRejected": "Order rejected",
    "OrderDelayed": "Running late",
    "NotificationSent": "We sent you a message",
    "NotificationFailed": "A message could not be sent",
}
CHANNELS = {"sms": "a text message", "email": "an email"}
UNDO = {
    "refund_payment": "Your payment was refunded",
    "release_inventory": "The ingredients set aside were put back",
    "notify_customer": "We told you the order is off",
    "cancel_kitchen_ticket": "The kitchen ticket was withdrawn",
}
# Choreography records no compensation list; its undo shows as these events instead.
UNDO_EVENTS = {"PaymentRefunded": "refund_payment", "InventoryReleased": "release_inventory"}


def status_words(status: str) -> str:
    """A status as the tracker says it."""
    return STATUS.get(OrderStatus(status), status)


def event_words(kind: str, data: Mapping[str, object] | None = None) -> str:
    """One timeline line: the event in words, with the detail that matters to a person."""
    data = data or {}
    if kind in ("NotificationSent", "NotificationFailed") and data.get("channel") in CHANNELS:
        sent = kind == "NotificationSent"
        return f"{'We sent you' if sent else 'Could not send you'} {CHANNELS[str(data['channel'])]}"
    words = EVENTS.get(kind, kind)
    detail = data.get("reason") or data.get("stage")
    return f"{words} ({detail})" if detail else words


def undo_words(step: str, outcome: str = "done") -> str:
    """One compensation step as it ran."""
    words = UNDO.get(step, step.replace("_", " ").capitalize())
    return words if outcome == "done" else f"{words}: failed, staff will look into it"


def undone(order: OrderResponse) -> list[str]:
    """What was undone, in words: the saga's compensation steps, or the undo events on the bus."""
    if order.compensations:
        return [undo_words(step.step, step.outcome) for step in order.compensations]
    return [undo_words(UNDO_EVENTS[e.type]) for e in order.timeline if e.type in UNDO_EVENTS]


def duration(seconds: float) -> str:
    """``125`` → ``2 min 5 s``."""
    whole = max(0, int(seconds))
    minutes, rest = divmod(whole, 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"
