"""One order's outcome in either mode, read back the same way: status, timeline, side-effect rows.

A ``Harness`` is the HTTP API of one mode plus the database its services
write. ``outcome`` reads what the parity test compares; ``CAUSES`` is what
"causal order" means there.
"""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from api.app import create_app
from infra.database import make_engine
from infra.settings import Settings
from services.inventory import ReservationRow
from services.kitchen import TicketRow
from services.notifications import NotificationRow
from services.payments import LedgerRow
from tests.integration.choreo_fixtures import choreo_settings, choreography_stack, nats_server
from tests.integration.conftest import OrderDesk

SETTLE_SECONDS = 40.0
# The shelf differs between the two databases, so whether an ingredient runs low does too.
IGNORED = {"InventoryLow"}
SPINE = (
    "OrderPlaced",
    "OrderConfirmed",
    "OrderCookingStarted",
    "OrderReady",
    "OrderOutForDelivery",
    "OrderDelivered",
    "OrderRejected",
    "OrderCancelled",
)
# Causal order: every event comes after at least one event that can cause it (its
# trigger in choreography, the step before it in the saga). Events with no path
# between them (a refund and a release after a cancel) may come in either order.
CAUSES: dict[str, tuple[str, ...]] = {
    "InventoryReserved": ("OrderPlaced",),
    "InventoryReservationFailed": ("OrderPlaced",),
    "PaymentProcessed": ("InventoryReserved",),
    "PaymentFailed": ("InventoryReserved",),
    "OrderConfirmed": ("PaymentProcessed",),
    "OrderRejected": ("InventoryReservationFailed", "PaymentFailed", "PaymentProcessed"),
    "OrderCancelled": ("OrderPlaced",),
    "OrderCookingStarted": ("OrderConfirmed",),
    "OrderReady": ("OrderCookingStarted",),
    "OrderOutForDelivery": ("OrderReady",),
    "OrderDelivered": ("OrderOutForDelivery",),
    "OrderDelayed:cooking": ("OrderConfirmed",),
    "PaymentRefunded": ("OrderCancelled", "PaymentFailed", "OrderRejected"),
    "InventoryReleased": (
        "OrderCancelled",
        "PaymentFailed",
        "InventoryReservationFailed",
        "OrderRejected",
    ),
    "NotificationSent:confirmation": ("OrderConfirmed",),
    "NotificationSent:rejection": ("OrderRejected",),
    "NotificationSent:cancellation": ("OrderCancelled",),
    "NotificationSent:delay": ("OrderDelayed:cooking",),
    "NotificationSent:out_for_delivery": ("OrderOutForDelivery",),
}


@dataclass
class Harness:
    """The API of one mode and the database behind it."""

    mode: str
    desk: OrderDesk
    engine: AsyncEngine


@dataclass(frozen=True)
class Outcome:
    """What the parity test compares for one order."""

    status: str
    labels: list[str]
    rows: dict[str, list[tuple[str, ...]]]

    @property
    def spine(self) -> list[str]:
        """The status-changing events in timeline order."""
        return [label for label in self.labels if label in SPINE]


def label(entry: dict[str, Any]) -> str:
    """An event's type, with what distinguishes events of that type (purpose, channel, stage)."""
    data = entry.get("data", {})
    if entry["type"] in ("NotificationSent", "NotificationFailed"):
        return f"{entry['type']}:{data['purpose']}/{data['channel']}"
    if entry["type"] == "OrderDelayed":
        return f"OrderDelayed:{data['stage']}"
    return str(entry["type"])


def causal_violations(labels: list[str]) -> list[str]:
    """Events that appear before every one of their possible causes."""
    problems = []
    for position, current in enumerate(labels):
        kind = current.split("/")[0]
        causes = CAUSES.get(kind, ())
        earlier = {earlier.split("/")[0] for earlier in labels[:position]}
        if causes and not earlier & set(causes):
            problems.append(f"{current} at {position} before any of {causes}")
    return problems


async def settle(desk: OrderDesk, order_id: str, expected: list[str]) -> list[str]:
    """Wait until the timeline holds exactly ``expected`` (as a multiset); its labels in order."""
    labels: list[str] = []
    try:
        async with asyncio.timeout(SETTLE_SECONDS):
            while Counter(labels) != Counter(expected):
                order = await desk.get(order_id)
                labels = [label(e) for e in order["timeline"] if e["type"] not in IGNORED]
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"timeline never became {sorted(expected)}; last {labels}") from None
    return labels


async def side_effects(engine: AsyncEngine, order_id: str) -> dict[str, list[tuple[str, ...]]]:
    """The order's rows in the services' tables, without ids, keys or times."""
    tables: dict[str, tuple[Any, tuple[str, ...]]] = {
        "reservations": (ReservationRow, ("status", "ingredients")),
        "payments": (LedgerRow, ("kind", "amount")),
        "tickets": (TicketRow, ("status",)),
        "notifications": (NotificationRow, ("channel", "purpose", "status")),
    }
    rows: dict[str, list[tuple[str, ...]]] = {}
    async with engine.connect() as connection:
        for name, (model, columns) in tables.items():
            query = select(model).where(col(model.order_id) == order_id)
            found = (await connection.execute(query)).mappings().all()
            rows[name] = sorted(tuple(str(row[c]) for c in columns) for row in found)
    return rows


async def outcome(harness: Harness, order_id: str, expected: list[str]) -> Outcome:
    """Settle the order, then read everything the test compares."""
    labels = await settle(harness.desk, order_id, expected)
    status = (await harness.desk.get(order_id))["status"]
    return Outcome(status, labels, await side_effects(harness.engine, order_id))


@asynccontextmanager
async def orchestration(
    settings: Settings, engine: AsyncEngine, **overrides: Any
) -> AsyncIterator[Harness]:
    """The API over the session's Temporal dev server and worker, with ``overrides`` applied."""
    settings = settings.model_copy(update=overrides)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            desk = OrderDesk(http, None, settings)  # type: ignore[arg-type]
            yield Harness("orchestration", desk, engine)


@asynccontextmanager
async def choreography(tmp_path: Path, **overrides: Any) -> AsyncIterator[Harness]:
    """The API over a fresh NATS server, relay and consumers, with ``overrides`` applied."""
    with nats_server(tmp_path / "nats") as server:
        settings = choreo_settings(tmp_path, server.url, **overrides)
        engine = make_engine(settings.database_url)
        try:
            async with choreography_stack(settings) as stack:
                desk = OrderDesk(stack.http, None, settings)  # type: ignore[arg-type]
                yield Harness("choreography", desk, engine)
        finally:
            await engine.dispose()
