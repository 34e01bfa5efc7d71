"""Alembic environment (async): the schema is every table the services and the
choreography declare on ``SQLModel.metadata``.

Two ways in:
- from code (infra.migrations): the caller passes an open connection in
  ``config.attributes["connection"]`` and the migrations run on it;
- from the ``alembic`` command: the URL comes from the settings
  (``PIZZERIA_DATABASE_URL``) unless ``sqlalchemy.url`` is set.
"""

import asyncio
import importlib
import pkgutil

from alembic import context
from sqlalchemy import Connection, MetaData
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from infra.settings import Settings

TABLE_PACKAGES = ("services", "choreography")


def complete_metadata() -> MetaData:
    """SQLModel's metadata after importing every module that can declare a table."""
    for package_name in TABLE_PACKAGES:
        package = importlib.import_module(package_name)
        for module in pkgutil.iter_modules(package.__path__, prefix=f"{package_name}."):
            importlib.import_module(module.name)
    return SQLModel.metadata


def run_on(connection: Connection) -> None:
    """Run the pending migrations (or autogenerate's comparison) on ``connection``."""
    context.configure(
        connection=connection,
        target_metadata=complete_metadata(),
        # SQLite alters a table by copying it; batch mode writes migrations that
        # work there and plainly on PostgreSQL.
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_on_own_engine(url: str) -> None:
    """Connect to ``url`` for the length of the migration."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_on)
            await connection.commit()
    finally:
        await engine.dispose()


def run_offline(url: str) -> None:
    """``alembic upgrade --sql``: print the SQL instead of running it."""
    context.configure(
        url=url,
        target_metadata=complete_metadata(),
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    """Pick the way in (see the module docstring)."""
    given: Connection | None = context.config.attributes.get("connection")
    url = context.config.get_main_option("sqlalchemy.url") or Settings().database_url
    if given is not None:
        run_on(given)
    elif context.is_offline_mode():
        run_offline(url)
    else:
        asyncio.run(run_on_own_engine(url))


main()
