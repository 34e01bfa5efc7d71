"""``pizzeria audit``'s rules on hand-built ledgers: each broken promise named, clean is clean."""

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from services.audit import audit
from services.audit_ledgers import Ledgers, Movement, OrderFacts

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
PATIENCE = timedelta(minutes=5)
PRICE = Decimal("27.00")
PIZZA = {"dough": 2, "mozzarella": 2}


def delivered(order_id: str = "o-delivered") -> OrderFacts:
    """A delivered order exactly as it should be."""
    return OrderFacts(
        order_id,
        status="DELIVERED",
        updated_at=NOW - timedelta(hours=1),
        events=Counter({"OrderConfirmed": 1, "OrderDelivered": 1}),
        charges=[PRICE],
        reservation="reserved",
        ticket="ready",
        confirmations=Counter({"sms": 1, "email": 1}),
    )


def cancelled(order_id: str = "o-cancelled") -> OrderFacts:
    """A cancelled order whose every undo ran."""
    facts = delivered(order_id)
    facts.status, facts.refunds, facts.reservation, facts.ticket = (
        "CANCELLED",
        [PRICE],
        "released",
        "cancelled",
    )
    return facts


def rejected(order_id: str = "o-rejected") -> OrderFacts:
    """Out of stock: nothing taken, nothing charged, nothing sent."""
    return OrderFacts(order_id, status="REJECTED", updated_at=NOW - timedelta(hours=1))


def shop(*orders: OrderFacts) -> Ledgers:
    """Ledgers with ``orders``, stock seeded at 100 and moved by the delivered and cancelled."""
    ledgers = Ledgers(orders={facts.order_id: facts for facts in orders})
    ledgers.adjustments = [(i, "seed", 100, NOW - timedelta(days=1)) for i in PIZZA]
    taken = NOW - timedelta(hours=2)
    for facts in orders:
        if facts.reservation:
            back = NOW - timedelta(hours=1) if facts.reservation == "released" else None
            ledgers.movements.append(Movement(dict(PIZZA), taken, back))
    used = sum(1 for facts in orders if facts.reservation == "reserved")
    ledgers.on_hand = {i: 100 - n * used for i, n in PIZZA.items()}
    return ledgers


def findings(ledgers: Ledgers) -> dict[str, list[str]]:
    """Only the checks that found something: check name -> subjects."""
    found = audit(ledgers, NOW, PATIENCE)
    return {name: [f.subject for f in items] for name, items in found.items() if items}


def test_a_clean_shop_has_no_findings() -> None:
    assert findings(shop(delivered(), cancelled(), rejected())) == {}


def test_names_an_order_charged_twice() -> None:
    twice = delivered()
    twice.charges.append(PRICE)

    assert findings(shop(twice))["charged at most once"] == ["o-delivered"]


def test_names_a_cancelled_order_that_was_not_refunded() -> None:
    unrefunded = cancelled()
    unrefunded.refunds = []

    assert findings(shop(unrefunded)) == {"undone in full": ["o-cancelled"]}


def test_names_a_rejected_order_whose_stock_was_not_released() -> None:
    kept = rejected()
    kept.reservation = "reserved"
    ledgers = shop(kept)

    assert findings(ledgers) == {"undone in full": ["o-rejected"]}


def test_names_a_delivered_order_that_was_refunded_or_never_charged() -> None:
    refunded, free = delivered("o-refunded"), delivered("o-free")
    refunded.refunds, free.charges = [PRICE], []

    assert findings(shop(refunded, free))["delivered and paid"] == ["o-refunded", "o-free"]


def test_names_an_ingredient_whose_stock_does_not_add_up() -> None:
    ledgers = shop(delivered())
    ledgers.on_hand["dough"] -= 1  # a portion vanished

    assert findings(ledgers) == {"stock conserved": ["dough"]}


def test_counts_stock_from_the_last_stock_take() -> None:
    ledgers = shop(delivered())
    # Counted 50 dough after the order took its portions; then 5 more arrived.
    ledgers.adjustments += [
        ("dough", "count", 50, NOW - timedelta(minutes=30)),
        ("dough", "restock", 5, NOW - timedelta(minutes=20)),
    ]
    ledgers.on_hand["dough"] = 55

    assert findings(ledgers) == {}


@pytest.mark.parametrize(("sms", "email"), [(0, 1), (2, 1), (1, 0)])
def test_names_a_confirmed_order_without_exactly_one_sms_and_one_email(sms, email) -> None:
    facts = delivered()
    facts.confirmations = Counter({"sms": sms, "email": email})

    assert findings(shop(facts)) == {"one confirmation each": ["o-delivered"]}


def test_a_confirmation_given_up_after_its_retries_is_not_a_discrepancy() -> None:
    facts = delivered()
    facts.confirmations["sms"] = 0
    facts.confirmations_failed["sms"] = 1

    assert findings(shop(facts)) == {}


def test_names_an_unconfirmed_order_that_was_sent_a_confirmation() -> None:
    facts = rejected()
    facts.confirmations["sms"] = 1

    assert findings(shop(facts)) == {"one confirmation each": ["o-rejected"]}


@pytest.mark.parametrize(
    ("status", "ticket"), [("CANCELLED", "queued"), ("DELIVERED", None), ("DELIVERED", "queued")]
)
def test_names_a_ticket_in_a_state_its_order_does_not_allow(status, ticket) -> None:
    facts = cancelled() if status == "CANCELLED" else delivered()
    facts.ticket = ticket

    assert findings(shop(facts)) == {"tickets match": [facts.order_id]}


def test_names_an_order_idle_too_long_on_the_systems_turn() -> None:
    stuck, fresh = rejected("o-stuck"), rejected("o-fresh")
    stuck.status, stuck.updated_at = "PLACED", NOW - timedelta(minutes=10)
    fresh.status, fresh.updated_at = "PLACED", NOW - timedelta(seconds=10)

    assert findings(shop(stuck, fresh)) == {"nothing stuck": ["o-stuck"]}


def test_an_order_flagged_for_a_person_or_waiting_on_the_kitchen_is_not_stuck() -> None:
    flagged, cooking = rejected("o-flagged"), delivered("o-cooking")
    flagged.status, flagged.updated_at = "PLACED", NOW - timedelta(hours=3)
    flagged.needs_attention = True
    cooking.status, cooking.updated_at = "COOKING", NOW - timedelta(hours=3)

    assert "nothing stuck" not in findings(shop(flagged, cooking))
