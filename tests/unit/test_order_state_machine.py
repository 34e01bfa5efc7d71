"""The order state machine: every legal move allowed, every other one refused by name."""

from itertools import product

import pytest

from domain.errors import IllegalTransition
from domain.order import TERMINAL, TRANSITIONS, Customer, Order, OrderItem, OrderStatus, reached

S = OrderStatus
LEGAL = {
    (S.PLACED, S.CONFIRMED),
    (S.PLACED, S.REJECTED),
    (S.PLACED, S.CANCELLED),
    (S.CONFIRMED, S.COOKING),
    (S.CONFIRMED, S.CANCELLED),
    (S.COOKING, S.READY),
    (S.READY, S.OUT_FOR_DELIVERY),
    (S.OUT_FOR_DELIVERY, S.DELIVERED),
}
ALL_PAIRS = list(product(S, S))


def an_order(status: OrderStatus) -> Order:
    customer = Customer(id="c-1", name="Ada", phone="+39 055 1234", email="ada@example.com")
    items = [OrderItem(pizza="margherita", size="large", quantity=2)]
    return Order(
        order_id="o-1", customer=customer, items=items, delivery_address="Via Roma 1", status=status
    )


def test_transition_table_is_exactly_the_designed_one() -> None:
    table = {(current, target) for current, targets in TRANSITIONS.items() for target in targets}
    assert table == LEGAL


@pytest.mark.parametrize(("current", "target"), sorted(LEGAL))
def test_allows_every_legal_transition(current: OrderStatus, target: OrderStatus) -> None:
    assert an_order(current).transition_to(target).status is target


@pytest.mark.parametrize(("current", "target"), [p for p in ALL_PAIRS if p not in LEGAL])
def test_refuses_every_illegal_transition_with_a_named_error(
    current: OrderStatus, target: OrderStatus
) -> None:
    order = an_order(current)
    with pytest.raises(IllegalTransition, match=f"{current.value} cannot become {target.value}"):
        order.transition_to(target)
    assert order.status is current


def test_terminal_states_are_delivered_cancelled_and_rejected() -> None:
    assert frozenset({S.DELIVERED, S.CANCELLED, S.REJECTED}) == TERMINAL


def test_cancellation_is_possible_only_before_cooking() -> None:
    cancellable = {current for current, target in LEGAL if target is S.CANCELLED}
    assert cancellable == {S.PLACED, S.CONFIRMED}


def test_reached_follows_the_happy_path() -> None:
    assert reached(S.READY, S.COOKING)
    assert not reached(S.CONFIRMED, S.COOKING)
    assert not reached(S.CANCELLED, S.COOKING)
