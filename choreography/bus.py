"""The message bus: routes a command to its one handler and an event to a consumer's handler.

Whatever the handler decides is committed in one transaction with the inbox
row ``(consumer, event_id)``; an event the consumer has handled before is
skipped. When the order changed under a handler (a version conflict), the
handler runs again on the fresh state; its service calls are idempotent.
"""

from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any

from choreography.deps import Deps
from choreography.model import Change, Delivery, StoredOrder
from choreography.names import subjects_for
from choreography.ports import VersionConflict
from domain.commands import Command
from domain.errors import OrderNotFound
from domain.events import DomainEvent, Event

CONFLICT_RETRIES = 5
CommandHandler = Callable[[Any, Deps], Awaitable[Change]]
EventHandler = Callable[[Delivery[Any], Deps], Awaitable[Change]]
Reactions = Mapping[type[DomainEvent], EventHandler]


class MessageBus:
    """Commands in (one handler each), events in (zero or more consumers each)."""

    def __init__(
        self,
        deps: Deps,
        commands: Mapping[type[Command], CommandHandler],
        consumers: Mapping[str, Reactions],
        reported: CommandHandler,
        undos: Collection[EventHandler] = (),
    ) -> None:
        self.deps = deps
        self._commands = commands
        self._consumers = consumers
        self._reported = reported
        self._undos = undos

    @property
    def consumers(self) -> list[str]:
        """Every consumer's name."""
        return list(self._consumers)

    def undoes(self, consumer: str, event: Event) -> bool:
        """Whether ``consumer``'s reaction to ``event`` is a compensation (never given up on)."""
        return self._consumers[consumer].get(type(event)) in self._undos

    def gives_up(self, consumer: str) -> bool:
        """Whether ``consumer`` may park a message for good: only one with no compensations."""
        return not any(handler in self._undos for handler in self._consumers[consumer].values())

    def subjects(self, consumer: str) -> list[str]:
        """The subjects ``consumer`` subscribes to."""
        return sorted(subject for cls in self._consumers[consumer] for subject in subjects_for(cls))

    async def execute(self, command: Command) -> StoredOrder:
        """Run the command's handler and commit; the order as it is afterwards."""
        handler = self._commands[type(command)]
        await self._commit_fresh(lambda: handler(command, self.deps))
        return await self.deps.load(command.order_id)

    async def report(self, event: Event) -> StoredOrder:
        """Apply an event reported from outside (kitchen display, driver app)."""
        await self._commit_fresh(lambda: self._reported(event, self.deps))
        return await self.deps.load(event.order_id)

    async def deliver(self, consumer: str, delivery: Delivery[Event]) -> bool:
        """Let ``consumer`` handle the event once; False if it has no handler or already did."""
        handler = self._consumers[consumer].get(type(delivery.event))
        message_id = str(delivery.event.event_id)
        if handler is None or await self.deps.store.handled(consumer, message_id):
            return False
        inbox = (consumer, message_id)
        return await self._commit_fresh(lambda: handler(delivery, self.deps), inbox)

    async def _commit_fresh(
        self, decide: Callable[[], Awaitable[Change]], inbox: tuple[str, str] | None = None
    ) -> bool:
        for _ in range(CONFLICT_RETRIES):
            change = await decide()
            try:
                return await self.deps.store.commit(change, inbox)
            except VersionConflict:
                continue
        raise VersionConflict(f"gave up after {CONFLICT_RETRIES} conflicting updates")


__all__ = ["MessageBus", "OrderNotFound"]
