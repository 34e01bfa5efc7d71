"""``pizzeria worker`` and ``pizzeria api``: one piece of the stack each, for scaling out."""

from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from api.app import InsecureConfiguration, refuse_insecure
from infra.settings import Settings

console = Console(stderr=True)


def worker() -> None:
    """Run one Temporal worker for the order saga (start as many as you like)."""
    # Imported on use: it loads the whole saga, which the other commands do not need.
    from worker import main

    main()


def api(
    host: Annotated[
        str | None, typer.Option(help="Bind address [default: PIZZERIA_API_HOST]")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port [default: PIZZERIA_API_PORT]")] = None,
) -> None:
    """Serve the HTTP API with uvicorn."""
    settings = Settings()
    try:
        refuse_insecure(settings)
    except InsecureConfiguration as refusal:
        console.print(f"[bold red]pizzeria api:[/] {refusal}")
        raise typer.Exit(2) from None
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host or settings.api_host,
        port=port or settings.api_port,
        log_level="warning",
        access_log=False,
    )
