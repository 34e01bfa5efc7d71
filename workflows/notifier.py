"""Customer notifications: never critical to the order.

``send`` starts a text or email in the background, so the order moves on
while a provider retries; every attempt ends as NotificationSent or
NotificationFailed in the order's history. ``drain`` waits for the stragglers
before the workflow completes. On the lean history one activity carries every
channel of a purpose (three events fewer per extra channel), and its outcomes
are recorded by one local activity.
"""

import asyncio
from collections.abc import Sequence

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

from workflows.policies import NOTIFICATION_RETRY, STEP_TIMEOUT
from workflows.recorder import EventRecorder
from workflows.story import step_summary

with workflow.unsafe.imports_passed_through():
    from activities.order import OrderActivities
    from domain.events import Channel, Event, NotificationFailed, NotificationSent, Purpose
    from domain.order import Customer
    from services.messages import SendNotification, SendNotifications


class Notifier:
    """Sends SMS and email for one order and records how each ended."""

    def __init__(
        self, order_id: str, customer: Customer, recorder: EventRecorder, lean: bool
    ) -> None:
        self._order_id = order_id
        self._customer = customer
        self._recorder = recorder
        self._lean = lean
        self._tasks: list[asyncio.Task[None]] = []
        self._sent = 0

    def send(
        self, purpose: Purpose, channels: tuple[Channel, ...] = ("sms",), **details: str
    ) -> None:
        """Notify in the background; the order does not wait."""
        requests = [self._request(channel, purpose, details) for channel in channels]
        if self._lean:
            self._tasks.append(asyncio.create_task(self._deliver_together(requests)))
            return
        for request in requests:  # orders started before the lean history, one by one
            self._tasks.append(asyncio.create_task(self._deliver(request)))

    async def send_and_wait(
        self, purpose: Purpose, channels: tuple[Channel, ...], **details: str
    ) -> None:
        """Notify and wait for the outcome (used by compensation, which ends the order)."""
        requests = [self._request(channel, purpose, details) for channel in channels]
        await asyncio.gather(*(self._deliver(request) for request in requests))

    async def drain(self) -> None:
        """Wait for every background notification to end."""
        await asyncio.gather(*self._tasks)

    async def _deliver(self, request: SendNotification) -> None:
        channel, purpose = request.channel, request.purpose
        outcome: Event
        try:
            await workflow.execute_activity_method(
                OrderActivities.send_notification,
                request,
                start_to_close_timeout=STEP_TIMEOUT,
                retry_policy=NOTIFICATION_RETRY,
                summary=step_summary(f"{purpose} by {channel}"),
            )
            outcome = self._recorder.new(NotificationSent, channel=channel, purpose=purpose)
        except ActivityError as failure:
            reason = str(failure.cause or failure)
            outcome = self._recorder.new(
                NotificationFailed, channel=channel, purpose=purpose, reason=reason
            )
        await self._recorder.record(outcome)

    async def _deliver_together(self, requests: Sequence[SendNotification]) -> None:
        purpose = requests[0].purpose
        channels = " and ".join(request.channel for request in requests)
        failed: dict[str, str] = {}
        try:
            await workflow.execute_activity_method(
                OrderActivities.send_notifications,
                SendNotifications(notifications=list(requests)),
                start_to_close_timeout=STEP_TIMEOUT,
                retry_policy=NOTIFICATION_RETRY,
                summary=step_summary(f"{purpose} by {channels}"),
            )
        except ActivityError as failure:
            failed = _failed_channels(failure, requests)
        await self._recorder.record(*(self._outcome(request, failed) for request in requests))

    def _outcome(self, request: SendNotification, failed: dict[str, str]) -> Event:
        channel, purpose = request.channel, request.purpose
        if channel in failed:
            reason = failed[channel]
            return self._recorder.new(
                NotificationFailed, channel=channel, purpose=purpose, reason=reason
            )
        return self._recorder.new(NotificationSent, channel=channel, purpose=purpose)

    def _request(
        self, channel: Channel, purpose: Purpose, details: dict[str, str]
    ) -> SendNotification:
        # A per-order counter keeps two texts of the same purpose (two delays) apart.
        self._sent += 1
        recipient = self._customer.phone if channel == "sms" else self._customer.email
        return SendNotification(
            order_id=self._order_id,
            idempotency_key=f"{workflow.info().workflow_id}/notify/{purpose}/{channel}/{self._sent}",
            channel=channel,
            purpose=purpose,
            recipient=recipient,
            customer_name=self._customer.name,
            details=details,
        )


def _failed_channels(
    failure: ActivityError, requests: Sequence[SendNotification]
) -> dict[str, str]:
    """Which channels failed, and why: named in the failure's details, else all of them."""
    cause = failure.cause
    if isinstance(cause, ApplicationError) and cause.details:
        named = cause.details[0]
        if isinstance(named, dict):
            return {str(channel): str(reason) for channel, reason in named.items()}
    reason = str(cause or failure)  # a timeout or a cancel: nothing got through that we know of
    return {request.channel: reason for request in requests}
