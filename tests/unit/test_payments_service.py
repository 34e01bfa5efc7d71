"""Payments: one charge per order, one refund per charge, clear declines."""

from decimal import Decimal

import pytest

from domain.errors import PaymentDeclined, ProviderUnavailable
from services.container import Services
from services.messages import ChargePayment, Fault, RefundPayment, RefundReceipt


def charge(order_id: str, amount: str = "21.00", key: str | None = None) -> ChargePayment:
    return ChargePayment(
        order_id=order_id,
        idempotency_key=key or f"charge-{order_id}",
        customer_id="c1",
        amount=Decimal(amount),
    )


def refund(order_id: str, key: str | None = None) -> RefundPayment:
    return RefundPayment(order_id=order_id, idempotency_key=key or f"refund-{order_id}")


async def test_charge_records_the_payment(services: Services) -> None:
    receipt = await services.payments.charge(charge("o1"))

    assert receipt.amount == Decimal("21.00")
    assert [(e.kind, e.payment_id) for e in await services.payments.ledger("o1")] == [
        ("charge", receipt.payment_id)
    ]
    assert await services.payments.balance("o1") == Decimal("21.00")


async def test_same_key_twice_charges_once_and_returns_the_first_receipt(
    services: Services,
) -> None:
    first = await services.payments.charge(charge("o1"))
    second = await services.payments.charge(charge("o1"))

    assert second == first
    assert len(await services.payments.ledger("o1")) == 1


async def test_never_charges_an_order_twice_even_with_another_key(services: Services) -> None:
    first = await services.payments.charge(charge("o1", key="a"))
    second = await services.payments.charge(charge("o1", key="b"))

    assert second == first
    assert await services.payments.balance("o1") == Decimal("21.00")


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        ("500.01", "over the payment limit of 500"),
        ("0", "must be positive"),
        ("-5.00", "must be positive"),
        ("10.005", "whole cents"),
    ],
)
async def test_declines_amounts_it_cannot_charge_and_records_nothing(
    services: Services, amount: str, reason: str
) -> None:
    with pytest.raises(PaymentDeclined, match=reason):
        await services.payments.charge(charge("o1", amount=amount))

    assert await services.payments.ledger("o1") == []


async def test_charges_exactly_the_limit(services: Services) -> None:
    assert (await services.payments.charge(charge("o1", amount="500.00"))).amount == Decimal("500")


async def test_provider_decline_is_recorded_and_repeats_for_the_same_key(
    services: Services,
) -> None:
    await services.faults.set("payments", Fault(mode="decline", remaining=1))

    with pytest.raises(PaymentDeclined, match="declined"):
        await services.payments.charge(charge("o1"))
    with pytest.raises(PaymentDeclined, match="declined"):
        await services.payments.charge(charge("o1"))

    assert [e.kind for e in await services.payments.ledger("o1")] == ["declined"]
    assert await services.payments.balance("o1") == 0


async def test_provider_outage_charges_nothing_and_a_retry_succeeds(services: Services) -> None:
    await services.faults.set("payments", Fault(mode="down", remaining=1))

    with pytest.raises(ProviderUnavailable):
        await services.payments.charge(charge("o1"))
    assert await services.payments.ledger("o1") == []

    assert (await services.payments.charge(charge("o1"))).amount == Decimal("21.00")


async def test_refund_pays_the_charge_back_once(services: Services) -> None:
    receipt = await services.payments.charge(charge("o1"))

    refunded = await services.payments.refund(refund("o1"))
    again = await services.payments.refund(refund("o1", key="another-key"))

    assert refunded == RefundReceipt(payment_id=receipt.payment_id, amount=Decimal("21.00"))
    assert again == RefundReceipt()
    assert await services.payments.refund(refund("o1")) == refunded
    assert await services.payments.balance("o1") == 0
    assert [e.kind for e in await services.payments.ledger("o1")] == ["charge", "refund"]


async def test_refunding_an_uncharged_order_refunds_nothing(services: Services) -> None:
    assert await services.payments.refund(refund("o1")) == RefundReceipt()
    assert await services.payments.balance("o1") == 0


async def test_a_charge_arriving_after_its_refund_is_declined(services: Services) -> None:
    await services.payments.refund(refund("o1"))

    with pytest.raises(PaymentDeclined, match="already refunded"):
        await services.payments.charge(charge("o1"))

    assert await services.payments.balance("o1") == 0
