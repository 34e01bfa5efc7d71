"""Kitchen: one ticket per order, moved forward only, cancelled once."""

import pytest

from domain.errors import ProviderUnavailable
from domain.menu import Size
from domain.order import OrderItem
from services.container import Services
from services.messages import CancelTicket, Fault, OpenTicket, TicketCancelled

ITEMS = [OrderItem(pizza="marinara", size=Size.LARGE, quantity=1)]


def open_(order_id: str, key: str | None = None) -> OpenTicket:
    return OpenTicket(order_id=order_id, idempotency_key=key or f"open-{order_id}", items=ITEMS)


def cancel(order_id: str, key: str | None = None) -> CancelTicket:
    return CancelTicket(order_id=order_id, idempotency_key=key or f"cancel-{order_id}")


async def test_opening_a_ticket_queues_the_order(services: Services) -> None:
    ticket = await services.kitchen.open_ticket(open_("o1"))

    assert (ticket.order_id, ticket.status) == ("o1", "queued")
    assert await services.kitchen.queue() == [ticket]


async def test_the_same_order_gets_one_ticket_whatever_the_key(services: Services) -> None:
    first = await services.kitchen.open_ticket(open_("o1"))

    assert await services.kitchen.open_ticket(open_("o1")) == first
    assert await services.kitchen.open_ticket(open_("o1", key="other")) == first
    assert len(await services.kitchen.queue()) == 1


async def test_queue_lists_open_tickets_oldest_first(services: Services) -> None:
    for order_id in ("o1", "o2", "o3"):
        await services.kitchen.open_ticket(open_(order_id))
    await services.kitchen.set_status("o2", "ready")
    await services.kitchen.set_status("o3", "cooking")

    assert [(t.order_id, t.status) for t in await services.kitchen.queue()] == [
        ("o1", "queued"),
        ("o3", "cooking"),
    ]


async def test_tickets_move_forward_only(services: Services) -> None:
    await services.kitchen.open_ticket(open_("o1"))

    cooking = await services.kitchen.set_status("o1", "cooking")
    ready = await services.kitchen.set_status("o1", "ready")
    still_ready = await services.kitchen.set_status("o1", "cooking")

    assert [t.status for t in (cooking, ready, still_ready) if t] == ["cooking", "ready", "ready"]


async def test_set_status_refuses_unknown_statuses_and_ignores_unknown_orders(
    services: Services,
) -> None:
    with pytest.raises(ValueError, match="'burnt'"):
        await services.kitchen.set_status("o1", "burnt")
    assert await services.kitchen.set_status("nobody", "cooking") is None


async def test_cancel_takes_the_ticket_off_the_queue_once(services: Services) -> None:
    ticket = await services.kitchen.open_ticket(open_("o1"))

    cancelled = await services.kitchen.cancel_ticket(cancel("o1"))

    assert cancelled == TicketCancelled(ticket_id=ticket.ticket_id, cancelled=True)
    assert await services.kitchen.cancel_ticket(cancel("o1")) == cancelled
    assert await services.kitchen.queue() == []
    moved = await services.kitchen.set_status("o1", "cooking")
    assert moved is not None and moved.status == "cancelled"


async def test_cancelling_an_order_without_a_ticket_cancels_nothing(services: Services) -> None:
    assert await services.kitchen.cancel_ticket(cancel("o1")) == TicketCancelled()
    assert await services.kitchen.cancel_ticket(cancel("o1")) == TicketCancelled()
    # No ticket row stands for the cancellation: both modes' tickets list only what the
    # kitchen got, whenever a retried cancellation lands (parity, "kitchen down").
    assert await services.kitchen.ticket("o1") is None


async def test_a_ticket_opened_after_its_cancellation_stays_off_the_queue(
    services: Services,
) -> None:
    await services.kitchen.cancel_ticket(cancel("o1"))

    late = await services.kitchen.open_ticket(open_("o1"))

    assert late.status == "cancelled"
    assert await services.kitchen.open_ticket(open_("o1")) == late
    assert await services.kitchen.cancel_ticket(cancel("o1")) == TicketCancelled(
        ticket_id=late.ticket_id, cancelled=True
    )
    assert await services.kitchen.queue() == []


async def test_kitchen_outage_opens_nothing(services: Services) -> None:
    await services.faults.set("kitchen", Fault(mode="down"))

    with pytest.raises(ProviderUnavailable):
        await services.kitchen.open_ticket(open_("o1"))

    with pytest.raises(ProviderUnavailable):
        await services.kitchen.cancel_ticket(cancel("o1"))

    await services.faults.clear("kitchen")
    assert await services.kitchen.queue() == []
    assert await services.kitchen.ticket("o1") is None
