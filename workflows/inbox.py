"""Domain events that arrive as signals: applied once each, early ones held until they fit.

A kitchen or delivery system may send OrderReady before its OrderCookingStarted
has arrived. Such an early event is held and applied as soon as the order
reaches the stage before it; an event that can never apply (the order is past
it, or is being undone) is dropped. Only applied events are remembered as
seen, so a refused event is not lost for good, and the inbox keeps at most one
applied and one held event per stage: its memory is bounded by the stages an
order has, however many events arrive.
"""

from collections.abc import Awaitable, Callable
from typing import Literal

from temporalio import workflow

from workflows.names import STATUS_AFTER_EVENT
from workflows.patches import patched

with workflow.unsafe.imports_passed_through():
    from domain.events import Event
    from domain.order import HAPPY_PATH, OrderStatus, can_transition, reached

Fit = Literal["now", "later", "never"]
PATCH_HOLD_EARLY_EVENTS = "hold-early-domain-events"


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
    """Receives an order's domain events; ``fit_of`` says where the order stands for a stage."""

    def __init__(
        self,
        fit_of: Callable[[OrderStatus], Fit],
        advance: Callable[[OrderStatus, Event], Awaitable[object]],
    ) -> None:
        self._fit_of = fit_of
        self._advance = advance
        self._applied: dict[OrderStatus, str] = {}
        self._held: dict[OrderStatus, tuple[str, str]] = {}

    async def receive(self, event: Event) -> None:
        """Apply the event now, hold it until it fits, or drop it (a repeat, or too late)."""
        event_id = str(event.event_id)
        target = STATUS_AFTER_EVENT.get(event.type)
        if self.seen(event_id):
            return
        if target is None:
            workflow.logger.warning("ignored %s %s: it moves no order", event.type, event_id)
            return
        stage = OrderStatus(target)
        when = self._fit_of(stage)
        if when == "now":
            await self._apply(stage, event)
        elif when == "later" and patched(PATCH_HOLD_EARLY_EVENTS):
            await self._apply_when_it_fits(stage, event)
        else:
            if when == "later":  # orders started before the patch refused it and forgot it
                self.applied(stage, event_id)
            workflow.logger.warning("ignored %s %s: it does not fit", event.type, event_id)

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

    async def _apply_when_it_fits(self, stage: OrderStatus, event: Event) -> None:
        if not self.hold(stage, str(event.event_id), event.type):
            return  # another early event for this stage waits already; one move is enough
        await workflow.wait_condition(lambda: self._fit_of(stage) != "later")
        self.release(stage)
        if self._fit_of(stage) == "now":
            await self._apply(stage, event)
        else:
            workflow.logger.warning("dropped early %s %s", event.type, event.event_id)

    async def _apply(self, stage: OrderStatus, event: Event) -> None:
        self.applied(stage, str(event.event_id))
        await self._advance(stage, event)
