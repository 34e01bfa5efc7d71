"""Templates: whole pages for requests, and the partials the pages and their streams share.

A page includes its partials; a stream sends the very same partials rendered
by ``fragment``: what the server renders at first and what the stream pushes
later come from one template each.
"""

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.responses import HTMLResponse

from web.words import duration, event_words, status_words, undo_words, undone

HERE = Path(__file__).parent
STATIC = HERE / "static"
environment = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters |= {
    "euros": lambda amount: f"€{Decimal(amount):.2f}",
    "duration": duration,
    "event_words": event_words,
    "status_words": status_words,
    "undo_words": undo_words,
    "undone": undone,
    "clock": lambda moment: moment.strftime("%H:%M:%S") if isinstance(moment, datetime) else "",
}
templates = Jinja2Templates(env=environment)


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A whole page; ``viewer`` (who is signed in, or None) is always in its context."""
    context.setdefault("viewer", getattr(request.state, "viewer", None))
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def fragment(name: str, **context: Any) -> str:
    """One partial as HTML, for a stream or an htmx answer."""
    return environment.get_template(name).render(**context)


def column_fragments(board: str, columns: Mapping[str, Any]) -> dict[str, str]:
    """Each column of ``board`` rendered by its own partial (``partials/<board>_<column>.html``)."""
    return {name: fragment(f"partials/{board}_{name}.html", columns=columns) for name in columns}
