"""``pizzeria demo``: a busy evening at Mario's, played against the running API."""

import asyncio
import uuid
from collections import Counter
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from cli.scenario import DemoStepFailed, OrderPlan, Outcome, Tokens, plan_orders, play
from infra.settings import DEV_TOKENS

console = Console()
DEV = {role: token for token, role in DEV_TOKENS.items()}


def demo(
    orders: Annotated[int, typer.Option(min=1, max=1000, help="How many orders to place")] = 20,
    seed: Annotated[int, typer.Option(help="Same seed, same orders and choices")] = 7,
    api: Annotated[str, typer.Option(help="Base URL of the API")] = "http://localhost:8000",
    concurrency: Annotated[int, typer.Option(min=1, max=100, help="Orders in flight")] = 8,
    sms_outage_seconds: Annotated[float, typer.Option(help="How long SMS stays down")] = 5.0,
    admin_token: Annotated[str, typer.Option(envvar="PIZZERIA_ADMIN_TOKEN")] = DEV["admin"],
) -> None:
    """Place orders, play kitchen and drivers, cancel some, and take SMS down for a while."""
    tokens = Tokens(DEV["kitchen"], DEV["driver"], admin_token)
    try:
        outcomes = asyncio.run(
            evening(api, plan_orders(orders, seed), tokens, concurrency, sms_outage_seconds)
        )
    except httpx.ConnectError:
        console.print(
            f"[bold red]pizzeria demo:[/] no API at {api}; start it with `pizzeria up`",
            soft_wrap=True,
        )
        raise typer.Exit(1) from None
    except httpx.HTTPStatusError as refused:
        detail = refused.response.text
        console.print(
            f"[bold red]pizzeria demo:[/] {refused.request.url.path} refused: {detail}",
            soft_wrap=True,
        )
        raise typer.Exit(1) from None
    console.print(results_table(outcomes))
    counts = Counter(o.status for o in outcomes)
    console.print(", ".join(f"{status}: {n}" for status, n in sorted(counts.items())))
    if (link := ui_link(api, tokens)) is not None:
        console.print(f"Inspect every order in the Temporal web UI: {link}")


async def evening(
    api: str, plans: list[OrderPlan], tokens: Tokens, concurrency: int, outage: float
) -> list[Outcome]:
    """Run every plan with at most ``concurrency`` at once while SMS is down for ``outage`` s."""
    run, gate = uuid.uuid4().hex[:8], asyncio.Semaphore(concurrency)
    admin = {"Authorization": f"Bearer {tokens.admin}"}
    async with httpx.AsyncClient(base_url=api, timeout=60.0) as http:
        (
            await http.put("/admin/faults/sms", json={"mode": "down"}, headers=admin)
        ).raise_for_status()
        restore = asyncio.create_task(_clear_after(http, outage, admin))
        try:
            with Progress(console=console) as progress:
                task = progress.add_task("orders", total=len(plans))

                async def one(plan: OrderPlan) -> Outcome:
                    async with gate:
                        result = await _attempt(http, plan, tokens, run)
                    progress.advance(task)
                    return result

                return list(await asyncio.gather(*(one(plan) for plan in plans)))
        finally:
            restore.cancel()
            await http.delete("/admin/faults/sms", headers=admin)


async def _attempt(http: httpx.AsyncClient, plan: OrderPlan, tokens: Tokens, run: str) -> Outcome:
    try:
        return await play(http, plan, tokens, run)
    except DemoStepFailed as failure:
        return Outcome(order_id="?", status="ERROR", total="-", pizzas=0, note=str(failure))


async def _clear_after(http: httpx.AsyncClient, seconds: float, admin: dict[str, str]) -> None:
    await asyncio.sleep(seconds)
    await http.delete("/admin/faults/sms", headers=admin)
    console.print(f"[green]SMS provider is back after {seconds:g}s; texts held up were retried[/]")


def results_table(outcomes: list[Outcome]) -> Table:
    """One row per order: where it ended and what happened on the way."""
    table = Table(title="Final state of every order")
    for column in ("#", "order", "pizzas", "total", "status", "SMS", "compensation / note"):
        table.add_column(column)
    for number, o in enumerate(outcomes, 1):
        undo = [e for e in o.events if e in ("PaymentRefunded", "InventoryReleased")]
        table.add_row(
            str(number),
            o.order_id[:8],
            str(o.pizzas),
            o.total,
            o.status,
            o.sms,
            ", ".join(undo) or o.note,
        )
    return table


def ui_link(api: str, tokens: Tokens) -> str | None:
    """The Temporal UI address the API reports in its order links (None in choreography)."""
    with httpx.Client(base_url=api, timeout=10.0) as http:
        listing = http.get(
            "/orders", params={"limit": 1}, headers={"Authorization": f"Bearer {tokens.admin}"}
        )
    orders = listing.json().get("orders", []) if listing.is_success else []
    if not orders:
        return "http://localhost:8233"
    workflow_link: str | None = orders[0]["links"].get("workflow")
    if workflow_link is None:
        return None
    return workflow_link.split("/namespaces/")[0] + "/namespaces/default/workflows"
