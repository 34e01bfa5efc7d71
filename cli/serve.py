"""``pizzeria worker`` and ``pizzeria api``: one piece of the stack each, for scaling out.

Each imports its piece on use: ``pizzeria up`` and ``pizzeria demo`` should not
pay for loading the saga or the web framework.
"""

from typing import Annotated

import typer


def worker(
    metrics_port: Annotated[
        int | None,
        typer.Option(
            help="Serve Prometheus /metrics on this port [default: PIZZERIA_METRICS_PORT]"
        ),
    ] = None,
) -> None:
    """Run one Temporal worker for the order saga (start as many as you like)."""
    from worker import main

    main(metrics_port)


def api(
    host: Annotated[
        str | None, typer.Option(help="Bind address [default: PIZZERIA_API_HOST]")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port [default: PIZZERIA_API_PORT]")] = None,
) -> None:
    """Serve the HTTP API with uvicorn."""
    from api.server import serve

    raise typer.Exit(serve(host, port))
