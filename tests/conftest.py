"""Shared fixtures: a fresh database per test, and the services built on it.

``database_url`` is the one seam: every test that uses it runs twice, on a
SQLite file under its tmp_path and on a fresh database of a real PostgreSQL
(marked ``postgres``; deselect with ``-m "not postgres"``).
"""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from infra.database import make_engine, make_session_factory
from infra.embedded_postgres import EmbeddedPostgres
from infra.migrations import upgrade_to_head
from infra.settings import Settings
from services.container import Services, build_services, prepare_database


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[EmbeddedPostgres]:
    """One real PostgreSQL (embedded-postgres) for the session, started on first use."""
    server = EmbeddedPostgres()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database of this test's own: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'pizzeria.db'}"
        return
    server: EmbeddedPostgres = request.getfixturevalue("postgres_server")
    name = server.create_database()
    try:
        yield server.url(name)
    finally:
        server.drop_database(name)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings for tests: no .env, no SMTP, local providers."""
    return Settings(
        _env_file=None,
        env="test",
        data_dir=tmp_path,
        database_url=database_url,
        smtp_host=None,
    )


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a fresh database with every service table created."""
    engine = make_engine(database_url)
    await upgrade_to_head(engine)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The session factory every service takes."""
    return make_session_factory(engine)


@pytest.fixture
async def services(
    settings: Settings, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> Services:
    """Every service wired as the worker wires them, with stock seeded."""
    built = build_services(settings, sessions)
    await prepare_database(engine, built)
    return built
