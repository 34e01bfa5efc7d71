"""``pizzeria audit``: reconcile the ledgers against the orders; non-zero exit on a discrepancy."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from infra.database import make_engine
from infra.migrations import current_revision, head_revision
from infra.settings import Settings
from services.audit import CHECKS, Finding, audit
from services.audit_ledgers import Ledgers, read_ledgers

SHOWN_FINDINGS = 50
console = Console()


def audit_command(
    database_url: Annotated[
        str | None, typer.Option(help="Database to audit [default: PIZZERIA_DATABASE_URL]")
    ] = None,
    stuck_after: Annotated[
        float, typer.Option(help="Seconds an order may sit unmoved on the system's turn")
    ] = 300.0,
) -> None:
    """Check every order's charges, refunds, stock, texts, tickets and progress add up."""
    url = database_url or Settings().database_url
    try:
        ledgers, findings = asyncio.run(_run(url, timedelta(seconds=stuck_after)))
    except NotMigrated as problem:
        console.print(f"[bold red]pizzeria audit:[/] {problem}", soft_wrap=True)
        raise typer.Exit(2) from None
    console.print(summary(ledgers, findings))
    broken = [finding for found in findings.values() for finding in found]
    if broken:
        console.print(details(broken))
        raise typer.Exit(1)
    console.print(f"[green]all {len(ledgers.orders)} orders reconcile[/]")


class NotMigrated(Exception):
    """The database is not the pizzeria's, or not at the newest schema."""


async def _run(url: str, patience: timedelta) -> tuple[Ledgers, dict[str, list[Finding]]]:
    engine = make_engine(url)
    try:
        if (found := await current_revision(engine)) != head_revision():
            raise NotMigrated(
                f"the database {engine.url.render_as_string()} is at schema revision {found}, "
                f"not {head_revision()}: point --database-url at the stack's database, "
                "or run `pizzeria migrate` first"
            )
        ledgers = await read_ledgers(engine)
    finally:
        await engine.dispose()
    return ledgers, audit(ledgers, datetime.now(UTC), patience)


def summary(ledgers: Ledgers, findings: dict[str, list[Finding]]) -> Table:
    """One row per check: what it looked at and how many discrepancies it found."""
    table = Table(title=f"pizzeria audit: {len(ledgers.orders)} orders")
    for column in ("check", "looked at", "discrepancies"):
        table.add_column(column)
    for check in CHECKS:
        found = len(findings[check.name])
        mark = f"[red]{found}[/]" if found else "[green]0[/]"
        table.add_row(check.name, check.counts, mark)
    return table


def details(broken: list[Finding]) -> Table:
    """The first discrepancies, one per row."""
    table = Table(
        title=f"discrepancies (first {min(len(broken), SHOWN_FINDINGS)} of {len(broken)})"
    )
    for column in ("check", "order or ingredient", "what the ledgers show"):
        table.add_column(column)
    for finding in broken[:SHOWN_FINDINGS]:
        table.add_row(finding.check, finding.subject, finding.detail)
    return table
