"""``python -m cli`` is the ``pizzeria`` command (used by ``pizzeria up`` for its children)."""

from cli.main import app

app()
