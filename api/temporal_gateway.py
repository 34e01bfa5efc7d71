"""``OrderGateway`` over Temporal: one ``OrderWorkflow`` per order, moved by updates and signals."""

import hashlib
from datetime import timedelta
from typing import Any, NoReturn

from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api.just_placed import JustPlaced
from domain.commands import CancelOrder, MarkDelivered, MarkReady, PickUp, PlaceOrder, StartCooking
from domain.errors import IllegalTransition, OrderNotFound
from domain.events import Event
from domain.order import OrderStatus, order_total, pizza_count
from services.messages import OrderView
from services.orders import OrderReadModel
from workflows import names
from workflows.contracts import (
    OrderInput,
    OrderState,
    ResolveCompensation,
    RetryCompensation,
    Slas,
)
from workflows.gateway import OrderConflict, OrderRefused, OrderUnavailable, StaffCommand
from workflows.story import order_summary

UPDATE_FOR: dict[type[StaffCommand], str] = {
    StartCooking: names.UPDATE_START_COOKING,
    MarkReady: names.UPDATE_MARK_READY,
    PickUp: names.UPDATE_PICK_UP,
    MarkDelivered: names.UPDATE_MARK_DELIVERED,
}
QUERY_TIMEOUT = timedelta(seconds=5)
UPDATE_TIMEOUT = timedelta(seconds=30)
FINGERPRINT = "request_fingerprint"


class TemporalOrderGateway:
    """Drives orders as ``OrderWorkflow`` executions with id ``order-<order_id>``."""

    def __init__(self, client: Client, slas: Slas, read_model: OrderReadModel) -> None:
        self._client = client
        self._slas = slas
        self._read_model = read_model
        self._just_placed = JustPlaced()

    async def place(self, order: PlaceOrder) -> None:
        """Start the saga; an id already taken (running or closed) keeps its one workflow."""
        fingerprint = fingerprint_of(order)
        try:
            await self._client.start_workflow(
                names.WORKFLOW_TYPE,
                OrderInput(order=order, slas=self._slas),
                id=names.workflow_id(order.order_id),
                task_queue=names.TASK_QUEUE,
                # A second start for the id, running or closed, fails instead of starting
                # anything; the repeat is then checked against what the first one placed.
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                search_attributes=initial_search_attributes(order),
                memo={FINGERPRINT: fingerprint},
                static_summary=order_summary(order.items),
            )
        except WorkflowAlreadyStartedError:
            await self._ensure_same_order(order.order_id, fingerprint)
        self._just_placed.add(order)

    async def state(self, order_id: str) -> OrderState | None:
        """The ``state`` query's answer, or None when there is no such workflow."""
        try:
            state: OrderState = await self._handle(order_id).query(
                names.QUERY_STATE, result_type=OrderState, rpc_timeout=QUERY_TIMEOUT
            )
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                return None
            raise OrderUnavailable(f"order '{order_id}' did not answer: {error.message}") from error
        except WorkflowQueryFailedError as error:
            raise OrderUnavailable(f"order '{order_id}' could not be read: {error}") from error
        return state

    async def view(self, order_id: str) -> OrderView | None:
        """The read model's view: the saga writes status, events and compensations together.

        An order this process placed a moment ago and the saga has not recorded yet is
        answered as accepted, so reading it never waits on its workflow.
        """
        recorded = await self._read_model.get(order_id)
        if recorded is None:
            return self._just_placed.view(order_id)
        self._just_placed.forget(order_id)
        return recorded

    async def advance(self, command: StaffCommand) -> OrderState:
        """Run the update that matches the command."""
        return await self._update(UPDATE_FOR[type(command)], command)

    async def cancel(self, command: CancelOrder) -> OrderState:
        """Run the cancel update, which answers after compensation."""
        return await self._update(names.UPDATE_CANCEL, command)

    async def retry_compensation(self, command: RetryCompensation) -> OrderState:
        """Run the retry update, which answers once that round of tries has ended."""
        return await self._update(names.UPDATE_RETRY_COMPENSATION, command)

    async def resolve_compensation(self, command: ResolveCompensation) -> OrderState:
        """Run the resolve update."""
        return await self._update(names.UPDATE_RESOLVE_COMPENSATION, command)

    async def deliver_event(self, event: Event) -> None:
        """Signal the event to its order's workflow."""
        try:
            await self._handle(event.order_id).signal(names.SIGNAL_DOMAIN_EVENT, event)
        except RPCError as error:
            await self._raise_for(event.order_id, error)

    async def _update(
        self,
        update: str,
        command: StaffCommand | CancelOrder | RetryCompensation | ResolveCompensation,
    ) -> OrderState:
        try:
            state: OrderState = await self._handle(command.order_id).execute_update(
                update, command, result_type=OrderState, rpc_timeout=UPDATE_TIMEOUT
            )
        except WorkflowUpdateFailedError as failed:
            raise _refusal(failed) from failed
        except WorkflowUpdateRPCTimeoutOrCancelledError as silent:
            raise OrderUnavailable(
                f"order '{command.order_id}' did not answer within {UPDATE_TIMEOUT.seconds}s "
                f"(are workers running?); it may still apply: check GET /orders/{command.order_id}"
            ) from silent
        except RPCError as error:
            await self._raise_for(command.order_id, error)
        return state

    async def _raise_for(self, order_id: str, error: RPCError) -> NoReturn:
        """Turn "not found" into: no such order, or an order that is closed for changes."""
        if error.status != RPCStatusCode.NOT_FOUND:
            raise error
        try:
            description = await self._handle(order_id).describe()
        except RPCError as missing:
            if missing.status == RPCStatusCode.NOT_FOUND:
                raise OrderNotFound(f"no order with id '{order_id}'") from None
            raise
        status = description.typed_search_attributes.get(names.SA_ORDER_STATUS) or "closed"
        raise OrderRefused(f"order '{order_id}' is {status} and takes no more changes") from error

    async def _ensure_same_order(self, order_id: str, fingerprint: str) -> None:
        description = await self._handle(order_id).describe()
        first = await description.memo_value(FINGERPRINT, None, type_hint=str)
        if first is not None and first != fingerprint:
            raise OrderConflict(f"order '{order_id}' was placed with different contents")

    def _handle(self, order_id: str) -> WorkflowHandle[Any, Any]:
        return self._client.get_workflow_handle(names.workflow_id(order_id))


def fingerprint_of(order: PlaceOrder) -> str:
    """A digest of everything the order says, to tell a true repeat from a reused key."""
    return hashlib.sha256(order.model_dump_json().encode()).hexdigest()


def _refusal(failed: WorkflowUpdateFailedError) -> OrderRefused:
    """The validator's reason as a refusal; any other update failure is a server error."""
    cause = failed.cause
    if isinstance(cause, ApplicationError) and cause.type == IllegalTransition.__name__:
        return OrderRefused(cause.message)
    raise failed


def initial_search_attributes(order: PlaceOrder) -> TypedSearchAttributes:
    """Set at start so list filters find the order before its first workflow task runs."""
    return TypedSearchAttributes(
        [
            SearchAttributePair(names.SA_ORDER_STATUS, OrderStatus.PLACED.value),
            SearchAttributePair(names.SA_CUSTOMER_ID, order.customer.id),
            SearchAttributePair(names.SA_ORDER_TOTAL, float(order_total(order.items))),
            SearchAttributePair(names.SA_PIZZA_COUNT, pizza_count(order.items)),
        ]
    )
