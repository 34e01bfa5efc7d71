"""``pizzeria token ROLE``: a dev-key JWT the API accepts, the bare token on the last line."""

import pytest
from typer.testing import CliRunner

from api.auth.authenticator import authenticator_for
from api.auth.principal import Principal
from cli.main import app
from cli.token import seconds
from tests.api_harness import settings_for


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["customer"], Principal("cust-42", "customer")),
        (["driver"], Principal("driver-7", "driver")),
        (["customer", "--subject", "cust-77", "--ttl", "30m"], Principal("cust-77", "customer")),
    ],
)
async def test_prints_a_token_the_api_accepts(tmp_path, monkeypatch, args, expected) -> None:
    monkeypatch.setenv("PIZZERIA_DATA_DIR", str(tmp_path))

    result = CliRunner().invoke(app, ["token", *args])

    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    authenticator = authenticator_for(settings_for(tmp_path))
    assert await authenticator.authenticate(f"Bearer {token}") == expected


def test_refuses_when_the_api_trusts_a_provider(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PIZZERIA_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PIZZERIA_AUTH_JWKS_URL", "https://idp.example/certs")

    result = CliRunner().invoke(app, ["token", "admin"])

    assert result.exit_code == 2
    assert not (tmp_path / "auth").exists()


@pytest.mark.parametrize(
    ("text", "value"), [("8h", 28800), ("30m", 1800), ("90s", 90), ("2d", 172800), ("45", 45)]
)
def test_durations_read_as_seconds(text, value) -> None:
    assert seconds(text) == value
