"""``pizzeria demo``: a busy evening at Mario's, played against the running API."""

import asyncio
import contextlib
import uuid
from collections import Counter
from typing import Annotated

import httpx
import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from cli.scenario import (
    DemoStepFailed,
    OrderPlan,
    Outcome,
    Tokens,
    outcome,
    plan_orders,
    play,
)
from infra.settings import DEV_TOKENS

console = Console()
DEV = {role: token for token, role in DEV_TOKENS.items()}
TEXT_RETRY_SECONDS = 40.0  # NOTIFICATION_RETRY gives up after ~30 s of tries


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
    console.print(boards(api), soft_wrap=True)
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
    """Run every plan with at most ``concurrency`` at once while SMS is down for ``outage`` s
    (or until half the orders are through, whichever comes first), then wait for the texts
    the outage held up."""
    run, gate = uuid.uuid4().hex[:8], asyncio.Semaphore(concurrency)
    admin = {"Authorization": f"Bearer {tokens.admin}"}
    halfway = asyncio.Event()
    async with httpx.AsyncClient(base_url=api, timeout=60.0) as http:
        (
            await http.put("/admin/faults/sms", json={"mode": "down"}, headers=admin)
        ).raise_for_status()
        restore = asyncio.create_task(_clear_after(http, outage, halfway, admin))
        try:
            with Progress(console=console) as progress:
                task = progress.add_task("orders", total=len(plans))
                done = 0

                async def one(plan: OrderPlan) -> Outcome:
                    nonlocal done
                    async with gate:
                        result = await _attempt(http, plan, tokens, run)
                    progress.advance(task)
                    done += 1
                    if done * 2 >= len(plans):
                        halfway.set()
                    return result

                outcomes = list(await asyncio.gather(*(one(plan) for plan in plans)))
            await restore
            return await texts_delivered(http, outcomes, tokens.admin)
        finally:
            restore.cancel()
            await http.delete("/admin/faults/sms", headers=admin)


async def _attempt(http: httpx.AsyncClient, plan: OrderPlan, tokens: Tokens, run: str) -> Outcome:
    try:
        return await play(http, plan, tokens, run)
    except DemoStepFailed as failure:
        return Outcome(order_id="?", status="ERROR", total="-", pizzas=0, note=str(failure))


async def _clear_after(
    http: httpx.AsyncClient, seconds: float, halfway: asyncio.Event, admin: dict[str, str]
) -> None:
    started = asyncio.get_running_loop().time()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(halfway.wait(), seconds)
    await http.delete("/admin/faults/sms", headers=admin)
    lasted = asyncio.get_running_loop().time() - started
    console.print(f"[green]SMS provider is back after {lasted:.1f}s; held-up texts are retried[/]")


async def texts_delivered(
    http: httpx.AsyncClient, outcomes: list[Outcome], token: str
) -> list[Outcome]:
    """The outcomes once every text the outage held up went out or gave up (its retries end
    within ~30 s), read again from the API."""
    deadline = asyncio.get_running_loop().time() + TEXT_RETRY_SECONDS
    with console.status("Waiting for the texts the outage held up..."):
        while any(o.sms == "pending" for o in outcomes if o.order_id != "?"):
            if asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(1.0)
            outcomes = [
                await outcome(http, o.order_id, token) if o.sms == "pending" else o
                for o in outcomes
            ]
    return outcomes


def boards(api: str) -> str:
    """Where to watch the evening live (sign in with a role on the page)."""
    base = api.rstrip("/")
    return (
        f"Watch it live: kitchen {base}/kitchen, drivers {base}/delivery, "
        f"admin {base}/admin (sign in at {base}/signin)"
    )


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
