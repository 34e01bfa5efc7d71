"""What the admin page shows: orders needing attention, recent orders, stock and faults.

"Needs attention" is the read model's flag: an undo still failing past its
retry bound (saga); the admin page can retry it or settle it by hand.
"""

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


async def admin_board(runtime: Runtime) -> AdminBoard:
    """The admin page's data; the read model decides what needs attention."""
    services, settings = runtime.services, runtime.settings
    stuck = await services.orders.list(limit=RECENT, needs_attention=True)
    recent = await services.orders.list(limit=RECENT)
    active = await services.faults.active() if settings.faults_on() else {}
    return AdminBoard(
        attention=[summary(settings, s) for s in stuck],
        recent=[summary(settings, s) for s in recent],
        stock=await services.inventory.levels(),
        faults={provider: active.get(provider) for provider in sorted(PROVIDERS)},
        faults_on=settings.faults_on(),
    )
