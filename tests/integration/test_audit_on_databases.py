"""``pizzeria audit`` on ledgers the real services wrote, on SQLite and on PostgreSQL."""

import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from domain.events import OrderConfirmed
from domain.order import OrderItem, OrderStatus
from services.audit import audit
from services.audit_ledgers import read_ledgers
from services.container import Services
from services.messages import (
    CancelTicket,
    ChargePayment,
    OpenTicket,
    OrderSnapshot,
    RecordEvents,
    RefundPayment,
    ReleaseStock,
    ReserveStock,
    SendNotification,
)

REPO = Path(__file__).resolve().parents[2]
ITEMS = [OrderItem(pizza="margherita", size="large", quantity=2)]


async def confirm(services: Services, order_id: str) -> None:
    """What the saga does up to CONFIRMED: stock, charge, ticket, both confirmations."""
    key = f"order-{order_id}"
    reserve = ReserveStock(order_id=order_id, idempotency_key=f"{key}-reserve", items=ITEMS)
    await services.inventory.reserve(reserve)
    charge = ChargePayment(
        order_id=order_id, idempotency_key=f"{key}-charge", customer_id="c", amount=27
    )
    await services.payments.charge(charge)
    await services.kitchen.open_ticket(
        OpenTicket(order_id=order_id, idempotency_key=f"{key}-ticket", items=ITEMS)
    )
    for channel in ("sms", "email"):
        note = SendNotification(
            **{"order_id": order_id, "idempotency_key": f"{key}-{channel}"},
            **{"channel": channel, "purpose": "confirmation", "recipient": "ada@example.com"},
            customer_name="Ada",
        )
        await services.notifications.send(note)
    event = OrderConfirmed(
        event_id=uuid.uuid4(),
        order_id=order_id,
        occurred_at=datetime.now(UTC),
        ticket_id="t",
        total=27,
    )
    await record(services, order_id, OrderStatus.CONFIRMED, event)


async def cancel(services: Services, order_id: str) -> None:
    """Every undo of a confirmed order."""
    key = f"order-{order_id}"
    await services.kitchen.cancel_ticket(
        CancelTicket(order_id=order_id, idempotency_key=f"{key}-c1")
    )
    await services.payments.refund(RefundPayment(order_id=order_id, idempotency_key=f"{key}-c2"))
    await services.inventory.release(ReleaseStock(order_id=order_id, idempotency_key=f"{key}-c3"))
    await record(services, order_id, OrderStatus.CANCELLED)


async def record(services: Services, order_id: str, status: OrderStatus, *events) -> None:
    snapshot = OrderSnapshot(
        order_id=order_id, status=status, customer_id="c", total=27, items=ITEMS
    )
    await services.orders.record(RecordEvents(snapshot=snapshot, events=list(events)))


def run_audit(database_url: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "cli", "audit", "--database-url", database_url]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)


async def test_ledgers_the_services_wrote_reconcile_and_a_vanished_portion_is_caught(
    services: Services, engine, database_url: str
) -> None:
    await confirm(services, "kept")
    for moved in ("cooking", "ready"):
        await services.kitchen.set_status("kept", moved)
    await record(services, "kept", OrderStatus.DELIVERED)
    await confirm(services, "undone")
    await cancel(services, "undone")
    await services.inventory.count_stock("basil", 7)  # a stock-take
    await services.inventory.restock("basil", 3)

    clean = audit(await read_ledgers(engine), datetime.now(UTC), timedelta(minutes=5))
    assert [f for found in clean.values() for f in found] == []
    result = run_audit(database_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all 2 orders reconcile" in result.stdout

    async with engine.begin() as connection:
        await connection.execute(
            text("UPDATE inventory_stock SET quantity = quantity - 1 WHERE ingredient = 'basil'")
        )

    result = run_audit(database_url)
    assert result.returncode == 1
    assert "stock conserved" in result.stdout
    assert "on hand 9, ledgers say 10" in result.stdout
