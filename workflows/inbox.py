"""Domain events that arrive as signals: applied once each, early ones held until they fit.

A kitchen or delivery system may send OrderReady before its OrderCookingStarted
has arrived. Such an early event is held and applied as soon as the order
reaches the stage before it; an event that can never apply (the order is past
it, or is being undone) is dropped. Only applied events are remembered as
seen, so a refused event is not lost for good, and the inbox keeps at most one
applied and one held event per stage: its memory is bounded by the stages an
order has, however many events arrive.
"""

from typing import Literal

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.order import HAPPY_PATH, OrderStatus, can_transition, reached

Fit = Literal["now", "later", "never"]


def fit(status: OrderStatus, target: OrderStatus, closing: bool) -> Fit:
    """Whether an order in ``status`` can move to ``target`` now, later on its way, or never."""
    if closing:
        return "never"
    if can_transition(status, target):
        return "now"
    if status in HAPPY_PATH and target in HAPPY_PATH and not reached(status, target):
        return "later"
    return "never"


class EventInbox:
    """Which event ids were applied or are being held, at most one of each per target stage."""

    def __init__(self) -> None:
        self._applied: dict[OrderStatus, str] = {}
        self._held: dict[OrderStatus, tuple[str, str]] = {}

    def seen(self, event_id: str) -> bool:
        """Whether this event was applied already or is being held."""
        held = {event for event, _ in self._held.values()}
        return event_id in self._applied.values() or event_id in held

    def applied(self, target: OrderStatus, event_id: str) -> None:
        """Remember the event that moved the order to ``target``."""
        self._applied[target] = event_id

    def hold(self, target: OrderStatus, event_id: str, event_type: str) -> bool:
        """Hold an early event; False when another one for ``target`` is held already."""
        if target in self._held:
            return False
        self._held[target] = (event_id, event_type)
        return True

    def release(self, target: OrderStatus) -> None:
        """The held event for ``target`` is applied or dropped: stop holding it."""
        self._held.pop(target, None)

    def held_types(self) -> list[str]:
        """The types of the events being held, in stage order."""
        return [self._held[stage][1] for stage in HAPPY_PATH if stage in self._held]

    def __len__(self) -> int:
        return len(self._applied) + len(self._held)
