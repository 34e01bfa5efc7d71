"""The database schema, applied by Alembic from ``migrations/`` at the project root.

``pizzeria migrate`` and the worker's start both call :func:`upgrade_to_head`;
it is safe to run from several processes at once (on PostgreSQL an advisory
lock lets one migrate while the others wait, then find nothing to do).

The migrations are found beside the packages, as in a checkout: the project is
installed editable, in development and in the Docker image alike.
"""

import asyncio
import weakref
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

from infra.database import make_engine

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = PROJECT_ROOT / "migrations"
# Any constant shared by every process of this project; "pizzeria" in ASCII.
MIGRATION_LOCK = 0x70697A7A65726961


def alembic_config() -> Config:
    """Alembic's configuration, pointed at ``migrations/``; no alembic.ini needed."""
    if not (MIGRATIONS / "env.py").is_file():
        raise RuntimeError(
            f"no migrations at {MIGRATIONS}: install the project from its source tree "
            "(pip install -e .), as the Dockerfile does"
        )
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str | None:
    """The newest revision in ``migrations/versions``."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade_to_head(engine: AsyncEngine) -> None:
    """Apply every migration the database behind ``engine`` has not seen yet."""
    # Alembic keeps its migration context in a module global: two upgrades interleaving
    # on one event loop (relay and consumers started in one process) would collide.
    async with _upgrade_lock(), engine.connect() as connection:
        await connection.run_sync(_upgrade)
        await connection.commit()


_LOCKS: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock]" = (
    weakref.WeakKeyDictionary()
)


def _upgrade_lock() -> asyncio.Lock:
    return _LOCKS.setdefault(asyncio.get_running_loop(), asyncio.Lock())


async def upgrade_url_to_head(database_url: str) -> None:
    """:func:`upgrade_to_head` for a URL (``pizzeria migrate``)."""
    engine = make_engine(database_url)
    try:
        await upgrade_to_head(engine)
    finally:
        await engine.dispose()


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at; None before the first migration."""
    async with engine.connect() as connection:
        return await connection.run_sync(_current_revision)


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Held until this transaction ends: concurrent upgrades run one by one.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()
