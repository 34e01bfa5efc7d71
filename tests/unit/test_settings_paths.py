"""Where the settings put the database when nobody names one."""

from pathlib import Path

from infra.settings import Settings


def test_an_unnamed_database_lives_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]

    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path}/pizzeria.db"


def test_the_default_data_dir_keeps_the_documented_database() -> None:
    assert Settings(_env_file=None).database_url == "sqlite+aiosqlite:///.data/pizzeria.db"  # type: ignore[call-arg]


def test_a_named_database_is_kept(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PIZZERIA_DATABASE_URL", "postgresql+asyncpg://u:p@db/pizzeria")

    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]

    assert settings.database_url == "postgresql+asyncpg://u:p@db/pizzeria"
