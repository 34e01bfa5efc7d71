"""``pizzeria audit``'s rules: every promise the ledgers must keep, and what breaks one.

Each check looks at the ledgers (``services.audit_ledgers``) and names every
order or ingredient that breaks it. The rules, in the order they are printed:
charged at most once; a REJECTED or CANCELLED order refunded and released in
full; a DELIVERED order charged once, not refunded, its stock used; stock
conserved; one confirmation SMS and one email per confirmed order, none for
others; each kitchen ticket in the state its order implies; nothing stuck.
"""

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.audit_ledgers import Ledgers, OrderFacts

UNDONE = ("REJECTED", "CANCELLED")
CONFIRMED_EVENT = "OrderConfirmed"
CHANNELS = ("sms", "email")

# Both modes move a ticket on with its order (cooking, then ready). Set this to False to
# audit a database from before they did, where every ticket stayed "queued".
TICKETS_FOLLOW_ORDERS = True
TICKET_STATES: dict[str, set[str | None]] = {
    "PLACED": {None},
    "CONFIRMED": {"queued"},
    "COOKING": {"cooking"},
    "READY": {"ready"},
    "OUT_FOR_DELIVERY": {"ready"},
    "DELIVERED": {"ready"},
    "CANCELLED": {None, "cancelled"},
    "REJECTED": {None, "cancelled"},
}
# Statuses in which the order waits for a person (kitchen, driver): late is not stuck.
WAITING_ON_PEOPLE = ("CONFIRMED", "COOKING", "READY", "OUT_FOR_DELIVERY")
TERMINAL = ("DELIVERED", *UNDONE)


@dataclass(frozen=True)
class Finding:
    """One broken promise: which check, about what, and what the ledgers show."""

    check: str
    subject: str
    detail: str


@dataclass(frozen=True)
class Check:
    """A named rule over the ledgers, and what it counts."""

    name: str
    counts: str
    run: Callable[[Ledgers, datetime, timedelta], Iterator[Finding]]


def charged_at_most_once(ledgers: Ledgers, *_: object) -> Iterator[Finding]:
    """No order has two charges."""
    for facts in ledgers.orders.values():
        if len(facts.charges) > 1:
            yield _finding("charged at most once", facts, f"{len(facts.charges)} charges")


def undone_in_full(ledgers: Ledgers, *_: object) -> Iterator[Finding]:
    """A REJECTED or CANCELLED order got back every cent and every portion."""
    for facts in ledgers.orders.values():
        if facts.status not in UNDONE:
            continue
        if sum(facts.refunds) != sum(facts.charges):
            yield _finding("undone in full", facts, f"charged {_money(facts)}")
        if facts.reservation == "reserved":
            yield _finding("undone in full", facts, "stock still reserved")


def delivered_and_paid(ledgers: Ledgers, *_: object) -> Iterator[Finding]:
    """A DELIVERED order was charged once, never refunded, and its stock was used."""
    for facts in ledgers.orders.values():
        if facts.status != "DELIVERED":
            continue
        if len(facts.charges) != 1 or facts.refunds:
            yield _finding("delivered and paid", facts, _money(facts))
        if facts.reservation != "reserved":
            yield _finding("delivered and paid", facts, f"stock {facts.reservation or 'never'}")


def one_confirmation_each(ledgers: Ledgers, *_: object) -> Iterator[Finding]:
    """A confirmed order got one confirmation SMS and one email, or a NotificationFailed
    for it once the provider stayed down past the retries (texts are never critical);
    an order never confirmed got none."""
    for facts in ledgers.orders.values():
        confirmed = facts.events[CONFIRMED_EVENT] > 0
        for channel in CHANNELS:
            sent, failed = facts.confirmations[channel], facts.confirmations_failed[channel]
            if sent > 1 or (confirmed and sent + failed == 0) or (not confirmed and sent):
                detail = f"{sent} confirmation {channel}, {failed} given up"
                yield _finding("one confirmation each", facts, detail)


def tickets_match(ledgers: Ledgers, *_: object) -> Iterator[Finding]:
    """Each order's kitchen ticket is in a state its status allows (``TICKET_STATES``)."""
    for facts in ledgers.orders.values():
        if facts.ticket not in expected_tickets(facts.status):
            yield _finding("tickets match", facts, f"ticket {facts.ticket or 'missing'}")


def expected_tickets(status: str) -> set[str | None]:
    """The ticket states an order in ``status`` may have today."""
    allowed = set(TICKET_STATES.get(status, set()))
    if not TICKETS_FOLLOW_ORDERS and status in (*WAITING_ON_PEOPLE, "DELIVERED"):
        allowed.add("queued")
    return allowed


def nothing_stuck(ledgers: Ledgers, now: datetime, patience: timedelta) -> Iterator[Finding]:
    """No order sits unfinished, unflagged and idle longer than ``patience`` while it is the
    system's move (PLACED: reserving, charging, confirming; or an unknown status)."""
    for facts in ledgers.orders.values():
        if facts.status in (*TERMINAL, *WAITING_ON_PEOPLE) or facts.needs_attention:
            continue
        idle = now - facts.updated_at if facts.updated_at else None
        if idle is None or idle > patience:
            since = f"{idle.total_seconds():.0f}s" if idle else "ever (no read model row)"
            yield _finding("nothing stuck", facts, f"{facts.status}, not moving for {since}")


def stock_conserved(ledgers: Ledgers, *_: object) -> Iterator[Finding]:
    """From each ingredient's last stock-take: added - reserved + released = on hand."""
    for ingredient, expected in expected_stock(ledgers).items():
        have = ledgers.on_hand.get(ingredient, 0)
        if have != expected:
            detail = f"on hand {have}, ledgers say {expected}"
            yield Finding("stock conserved", ingredient, detail)


def expected_stock(ledgers: Ledgers) -> dict[str, int]:
    """What the shelf should hold of every ingredient the ledgers mention."""
    level: dict[str, int] = defaultdict(int)
    counted_at: dict[str, datetime] = {}
    for ingredient, kind, quantity, at in ledgers.adjustments:
        if kind == "count":
            level[ingredient], counted_at[ingredient] = quantity, at
        else:
            level[ingredient] += quantity
    for move in ledgers.movements:
        for ingredient, portions in move.ingredients.items():
            since = counted_at.get(ingredient)
            if since is None or move.taken_at > since:
                level[ingredient] -= portions
            if move.returned_at is not None and (since is None or move.returned_at > since):
                level[ingredient] += portions
    return {ingredient: level[ingredient] for ingredient in {*level, *ledgers.on_hand}}


CHECKS = (
    Check("charged at most once", "orders", charged_at_most_once),
    Check("undone in full", "rejected or cancelled orders", undone_in_full),
    Check("delivered and paid", "delivered orders", delivered_and_paid),
    Check("stock conserved", "ingredients", stock_conserved),
    Check("one confirmation each", "orders", one_confirmation_each),
    Check("tickets match", "orders", tickets_match),
    Check("nothing stuck", "orders", nothing_stuck),
)


def audit(ledgers: Ledgers, now: datetime, patience: timedelta) -> dict[str, list[Finding]]:
    """Every check's findings, by check name (an empty list: the promise holds)."""
    return {check.name: list(check.run(ledgers, now, patience)) for check in CHECKS}


def _finding(check: str, facts: OrderFacts, detail: str) -> Finding:
    return Finding(check, facts.order_id, f"{facts.status}: {detail}")


def _money(facts: OrderFacts) -> str:
    return f"{len(facts.charges)} charge(s) {sum(facts.charges)}, refunded {sum(facts.refunds)}"
