"""The saga's inbox for domain events: early ones wait, only applied ones are remembered."""

from uuid import uuid4

from domain.order import OrderStatus
from workflows.inbox import EventInbox, fit

S = OrderStatus


def _inbox() -> EventInbox:
    async def advance(stage: OrderStatus, event: object) -> None:
        raise AssertionError("these tests apply nothing")

    return EventInbox(lambda stage: "never", advance)


def test_an_event_one_stage_ahead_fits_now_and_a_later_one_fits_later() -> None:
    assert fit(S.CONFIRMED, S.COOKING, closing=False) == "now"
    assert fit(S.CONFIRMED, S.READY, closing=False) == "later"
    assert fit(S.PLACED, S.DELIVERED, closing=False) == "later"


def test_an_event_the_order_is_past_or_that_meets_an_ending_order_never_fits() -> None:
    assert fit(S.READY, S.COOKING, closing=False) == "never"
    assert fit(S.CANCELLED, S.COOKING, closing=False) == "never"
    assert fit(S.CONFIRMED, S.COOKING, closing=True) == "never"


def test_a_refused_event_is_not_remembered_so_it_can_apply_when_sent_again() -> None:
    inbox = _inbox()
    refused = str(uuid4())
    assert not inbox.seen(refused)  # nothing was recorded for it
    inbox.applied(S.COOKING, refused)
    assert inbox.seen(refused)


def test_holds_one_early_event_per_stage_and_sees_it_as_a_repeat() -> None:
    inbox = _inbox()
    first = str(uuid4())
    assert inbox.hold(S.READY, first, "OrderReady")
    assert not inbox.hold(S.READY, str(uuid4()), "OrderReady")
    assert inbox.seen(first) and inbox.held_types() == ["OrderReady"]
    inbox.release(S.READY)
    assert inbox.held_types() == [] and not inbox.seen(first)


def test_memory_stays_bounded_by_the_stages_however_many_events_arrive() -> None:
    inbox = _inbox()
    stages = (S.COOKING, S.READY, S.OUT_FOR_DELIVERY, S.DELIVERED)
    for index in range(10_000):
        stage = stages[index % len(stages)]
        inbox.hold(stage, str(uuid4()), "OrderReady")
        inbox.applied(stage, str(uuid4()))
    assert len(inbox) <= 2 * len(stages)
