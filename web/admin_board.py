"""What the admin page shows: orders needing attention, recent orders, stock and faults."""

from dataclasses import dataclass

from api.runtime import Runtime
from api.schemas import OrderSummary
from api.views import summary
from services.faults import PROVIDERS
from services.messages import Fault

RECENT = 20


@dataclass(frozen=True)
class AdminBoard:
    """Everything on the admin page, read in one go."""

    attention: list[OrderSummary]
    recent: list[OrderSummary]
    stock: dict[str, int]
    faults: dict[str, Fault | None]
    faults_on: bool


def needs_attention(order: object) -> bool:
    """Whether the read model flags the order for a person (a saga stuck on a failed undo)."""
    return bool(getattr(order, "needs_attention", False))


async def admin_board(runtime: Runtime) -> AdminBoard:
    """The admin page's data; the read model decides what needs attention."""
    services, settings = runtime.services, runtime.settings
    snapshots = await services.orders.list(limit=200)
    active = await services.faults.active() if settings.faults_on() else {}
    return AdminBoard(
        attention=[summary(settings, s) for s in snapshots if needs_attention(s)],
        recent=[summary(settings, s) for s in snapshots[:RECENT]],
        stock=await services.inventory.levels(),
        faults={provider: active.get(provider) for provider in sorted(PROVIDERS)},
        faults_on=settings.faults_on(),
    )
