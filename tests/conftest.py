"""Shared fixtures: a fresh database per test, and the services built on it.

``database_url`` is the one seam: it points at a SQLite file under the test's
tmp_path; override it (or parametrize it) to run the same tests on PostgreSQL.
"""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from infra.database import create_tables, make_engine, make_session_factory
from infra.settings import Settings
from services.container import Services, build_services, prepare_database


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A SQLite file of this test's own."""
    return f"sqlite+aiosqlite:///{tmp_path / 'pizzeria.db'}"


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
    await create_tables(engine)
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
