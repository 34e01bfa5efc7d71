"""``pizzeria migrate``: bring the database schema to the newest migration."""

import asyncio
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.engine import make_url

from infra.migrations import head_revision, upgrade_url_to_head
from infra.settings import Settings

console = Console(stderr=True)


def migrate(
    database_url: Annotated[
        str | None,
        typer.Option(help="Database to migrate [default: PIZZERIA_DATABASE_URL]"),
    ] = None,
) -> None:
    """Apply every pending migration (Alembic); running it again changes nothing."""
    url = database_url or Settings().database_url
    shown = make_url(url).render_as_string(hide_password=True)
    try:
        asyncio.run(upgrade_url_to_head(url))
    except Exception as error:
        console.print(f"[bold red]pizzeria migrate:[/] {shown}: {error}")
        raise typer.Exit(1) from None
    console.print(f"pizzeria migrate: {shown} is at revision {head_revision()}")
