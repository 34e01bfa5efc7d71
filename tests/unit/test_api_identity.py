"""The app as a resource server: 401 and 503 as a client sees them, and what production refuses."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.app import InsecureConfiguration, create_app, refuse_insecure
from infra.codec_keys import new_key
from infra.settings import Settings
from tests.api_harness import FakeGateway, app_on, bearer, serving, settings_for
from tests.jwks_server import AUDIENCE, ISSUER, Provider, SigningKey, jwks_provider

KEY = SigningKey.ec("provider-key")
NOT_AN_EVENT = b"[]"


@pytest.fixture
def provider() -> Iterator[Provider]:
    with jwks_provider(KEY) as serving_keys:
        yield serving_keys


def provider_settings(tmp_path: Path, provider: Provider, **changes: object) -> Settings:
    return settings_for(tmp_path).model_copy(
        update={
            "auth_jwks_url": provider.url,
            "auth_issuer": ISSUER,
            "auth_audience": AUDIENCE,
            **changes,
        }
    )


async def post_event(settings: Settings, headers: dict[str, str]) -> tuple[int, dict, dict]:
    """POST /events as a kitchen: 422 (the body is no CloudEvent) means the caller got through."""
    app = app_on(settings, FakeGateway({}), None)
    async with serving(app) as http:
        response = await http.post(
            "/events", content=NOT_AN_EVENT, headers={**headers, "Content-Type": "application/json"}
        )
    return response.status_code, response.json(), dict(response.headers)


async def test_a_token_from_the_provider_gets_through(tmp_path, provider) -> None:
    token = KEY.sign(sub="kitchen-1", role="kitchen")

    status, _, _ = await post_event(provider_settings(tmp_path, provider), bearer(token))

    assert status == 422


async def test_a_forged_token_is_401_with_a_bearer_challenge(tmp_path, provider) -> None:
    forged = SigningKey.ec("provider-key").sign(role="kitchen")

    status, body, headers = await post_event(provider_settings(tmp_path, provider), bearer(forged))

    assert status == 401
    assert "signature does not verify" in body["detail"]
    assert headers["www-authenticate"] == "Bearer"


async def test_a_provider_that_is_down_is_503_never_500(tmp_path, provider) -> None:
    provider.failing = True
    token = KEY.sign(role="kitchen")

    status, body, headers = await post_event(provider_settings(tmp_path, provider), bearer(token))

    assert status == 503
    assert "cannot be fetched" in body["detail"]
    assert "retry-after" in headers


async def test_dev_tokens_are_refused_when_they_are_off(tmp_path, provider) -> None:
    settings = provider_settings(tmp_path, provider, dev_tokens=False)

    status, _, _ = await post_event(settings, bearer("dev-kitchen-token"))

    assert status == 401


async def test_a_dev_key_token_means_nothing_to_an_api_that_trusts_a_provider(
    tmp_path, provider
) -> None:
    from tests.api_harness import token_maker

    dev_signed = token_maker(settings_for(tmp_path))("kitchen-1", "kitchen")

    status, _, _ = await post_event(provider_settings(tmp_path, provider), bearer(dev_signed))

    assert status == 401


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"auth_jwks_url": "https://idp.example/certs", "dev_tokens": True}, "dev tokens"),
        ({}, "needs an identity provider"),
        ({"auth_jwks_url": "https://idp.example/certs", "faults_enabled": True}, "fault injection"),
    ],
)
def test_production_refuses_to_start_insecurely(tmp_path, changes, reason) -> None:
    settings = settings_for(tmp_path).model_copy(update={"env": "production", **changes})

    with pytest.raises(InsecureConfiguration, match=reason):
        refuse_insecure(settings)
    with pytest.raises(InsecureConfiguration, match=reason):
        create_app(settings)


def test_production_with_a_provider_has_no_dev_tokens_and_no_fault_endpoints(tmp_path) -> None:
    settings = settings_for(tmp_path).model_copy(
        update={
            "env": "production",
            "auth_jwks_url": "https://idp.example/certs",
            "codec_keys": [new_key()],
        }
    )

    app = create_app(settings)

    assert not settings.uses_dev_tokens()
    assert not any("/admin/faults" in path for path in app.openapi()["paths"])


def test_dev_key_is_private_to_its_owner(tmp_path) -> None:
    create_app(settings_for(tmp_path))

    key_file = tmp_path / "auth" / "signing-key.pem"
    assert key_file.stat().st_mode & 0o777 == 0o600
