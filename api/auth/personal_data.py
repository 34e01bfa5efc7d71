"""Who may see which of a customer's details (DESIGN §6, "Personal data by role").

The owner and admins see everything; a driver sees name, phone and address of
an order it may deliver (READY, or OUT_FOR_DELIVERY with that driver); the
kitchen and everyone else see none. ``redact`` applies the same rule to
timeline data, whatever event put personal data there.
"""

from collections.abc import Sequence
from typing import Literal

from api.auth.principal import Principal
from domain.order import OrderStatus
from services.messages import OrderContact, TimelineEntry

Detail = Literal["name", "phone", "email", "address"]
EVERYTHING: frozenset[Detail] = frozenset({"name", "phone", "email", "address"})
FOR_DELIVERY: frozenset[Detail] = frozenset({"name", "phone", "address"})
NOTHING: frozenset[Detail] = frozenset()
# Timeline keys that hold personal data, and which details each reveals.
KEYS: dict[str, frozenset[Detail]] = {
    "name": frozenset({"name"}),
    "customer_name": frozenset({"name"}),
    "recipient": frozenset({"phone", "email"}),
}
SUFFIXES: dict[str, Detail] = {"phone": "phone", "email": "email", "address": "address"}


def visible_details(
    viewer: Principal, customer_id: str, status: OrderStatus, timeline: Sequence[TimelineEntry]
) -> frozenset[Detail]:
    """What of the customer's details ``viewer`` may see on this order."""
    if viewer.role == "admin" or (viewer.role == "customer" and viewer.subject == customer_id):
        return EVERYTHING
    if viewer.role == "driver" and may_deliver(viewer.subject, status, timeline):
        return FOR_DELIVERY
    return NOTHING


def may_deliver(driver: str, status: OrderStatus, timeline: Sequence[TimelineEntry]) -> bool:
    """A ready order waits for any driver; one out for delivery belongs to whoever took it."""
    if status == OrderStatus.READY:
        return True
    if status != OrderStatus.OUT_FOR_DELIVERY:
        return False
    pickups = [entry for entry in timeline if entry.type == "OrderOutForDelivery"]
    return bool(pickups) and pickups[-1].data.get("driver_id") == driver


def shown_contact(
    contact: OrderContact | None, visible: frozenset[Detail]
) -> dict[str, str | None] | None:
    """The contact block with every detail the viewer may not see left out (None: no block)."""
    if contact is None or not visible:
        return None
    return {
        "name": contact.name if "name" in visible else None,
        "phone": contact.phone if "phone" in visible else None,
        "email": contact.email if "email" in visible else None,
        "delivery_address": contact.delivery_address if "address" in visible else None,
    }


def redact(data: object, visible: frozenset[Detail]) -> object:
    """``data`` without the keys (at any depth) that reveal details outside ``visible``."""
    if visible == EVERYTHING:
        return data
    if isinstance(data, dict):
        return {
            key: redact(value, visible)
            for key, value in data.items()
            if _reveals(str(key)) <= visible
        }
    if isinstance(data, list):
        return [redact(item, visible) for item in data]
    return data


def _reveals(key: str) -> frozenset[Detail]:
    lowered = key.lower()
    if lowered in KEYS:
        return KEYS[lowered]
    return frozenset(detail for suffix, detail in SUFFIXES.items() if lowered.endswith(suffix))


def redacted_timeline(
    timeline: Sequence[TimelineEntry], visible: frozenset[Detail]
) -> list[TimelineEntry]:
    """The timeline as ``visible`` allows it to be shown."""
    if visible == EVERYTHING:
        return list(timeline)
    return [entry.model_copy(update={"data": redact(entry.data, visible)}) for entry in timeline]
