"""Signing in to the pages at a real OIDC provider: authorization code with PKCE.

A provider served over HTTP on 127.0.0.1 (``tests/oidc_provider.py``) signs the
test's chosen person in; the app is configured against it as against
Keycloak. Whatever the provider hands out is verified by the API's own
authenticator, so a token the API would refuse never signs anyone in.
"""

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from infra.database import make_engine, make_session_factory
from infra.settings import Settings
from services.container import build_services, prepare_database
from tests.api_harness import FakeGateway, app_on, free_port, serving, settings_for
from tests.jwks_server import ISSUER, SigningKey
from tests.oidc_provider import OidcProvider, oidc_provider
from web.oidc_flow import FLOW_COOKIE
from web.session import COOKIE

ORIGIN = {"Origin": "http://testserver"}


@dataclass
class Site:
    http: httpx.AsyncClient
    provider: OidcProvider


def oidc_settings(tmp_path: Path, issuer_url: str, jwks_url: str) -> Settings:
    return settings_for(tmp_path).model_copy(
        update={
            "public_url": "http://testserver",
            "auth_jwks_url": jwks_url,
            "auth_issuer": ISSUER,
            "oidc_issuer_url": issuer_url,
            "oidc_provider_name": "Keycloak",
        }
    )


async def app_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    engine = make_engine(settings.database_url)
    services = build_services(settings, make_session_factory(engine))
    await prepare_database(engine, services)
    try:
        async with serving(app_on(settings, FakeGateway({}), services)) as http:
            yield http
    finally:
        await engine.dispose()


@pytest.fixture
def provider() -> Iterator[OidcProvider]:
    with oidc_provider(SigningKey.rsa("realm-key")) as running:
        yield running


@pytest.fixture
async def site(tmp_path: Path, provider: OidcProvider) -> AsyncIterator[Site]:
    settings = oidc_settings(tmp_path, provider.url, provider.jwks_url)
    async for http in app_client(settings):
        yield Site(http, provider)


async def to_provider_and_back(site: Site) -> str:
    """Start the sign-in, let the provider's authorize endpoint answer; the callback URL."""
    start = await site.http.get("/signin/oidc")
    assert start.status_code == 302
    async with httpx.AsyncClient() as browser:
        back = await browser.get(start.headers["location"])
    assert back.status_code == 302
    callback = urlsplit(back.headers["location"])
    assert f"{callback.scheme}://{callback.netloc}" == "http://testserver"
    return f"{callback.path}?{callback.query}"


async def test_signing_in_at_the_provider_lands_on_the_kitchen_board_with_the_session(
    site: Site,
) -> None:
    response = await site.http.get(await to_provider_and_back(site))
    assert response.status_code == 200
    assert 'content="0;url=/kitchen"' in response.text  # the kitchen's own page
    session = next(c for c in response.headers.get_list("set-cookie") if c.startswith(COOKIE))
    assert "HttpOnly" in session and "SameSite=strict" in session and "Max-Age=300" in session
    assert (await site.http.get("/kitchen")).status_code == 200


async def test_the_provider_is_asked_for_a_code_with_a_pkce_challenge_and_a_lax_flow_cookie(
    site: Site,
) -> None:
    start = await site.http.get("/signin/oidc")
    target = urlsplit(start.headers["location"])
    query = {name: values[0] for name, values in parse_qs(target.query).items()}
    assert f"{target.scheme}://{target.netloc}{target.path}".startswith(site.provider.url)
    assert query["response_type"] == "code" and query["scope"] == "openid"
    assert query["client_id"] == "pizzeria-web"
    assert query["redirect_uri"] == "http://testserver/signin/callback"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["state"] and query["state"] not in query["code_challenge"]
    flow = start.headers["set-cookie"]
    assert flow.startswith(FLOW_COOKIE) and "HttpOnly" in flow and "SameSite=lax" in flow
    assert "Path=/signin/callback" in flow and "Max-Age=600" in flow


async def test_a_callback_with_another_state_is_refused_and_no_code_is_spent(site: Site) -> None:
    callback = await to_provider_and_back(site)
    forged = callback.replace("state=", "state=x")
    response = await site.http.get(forged)
    assert response.status_code == 400
    assert "state does not match" in response.text
    assert COOKIE not in site.http.cookies
    assert len(site.provider.grants) == 1  # the token endpoint was never asked


async def test_a_callback_without_the_flow_cookie_is_refused(site: Site) -> None:
    callback = await to_provider_and_back(site)
    site.http.cookies.clear()
    assert (await site.http.get(callback)).status_code == 400


async def test_a_code_exchanged_with_the_wrong_verifier_is_refused(site: Site) -> None:
    callback = await to_provider_and_back(site)
    state, _, target = site.http.cookies[FLOW_COOKIE].split(":", 2)
    site.http.cookies.set(
        FLOW_COOKIE, f"{state}:not-the-verifier:{target}", path="/signin/callback"
    )
    response = await site.http.get(callback)
    assert response.status_code == 401
    assert "PKCE verification failed" in response.text
    assert site.provider.refusals == ["PKCE verification failed"]
    assert COOKIE not in site.http.cookies


@pytest.mark.parametrize(
    "claims, reason",
    [
        ({"sub": "mario", "role": "chef"}, "must be one of admin, customer"),
        ({"sub": "mario", "role": ["kitchen", "admin"]}, "must be one of admin, customer"),
        ({"sub": "mario", "role": "kitchen", "aud": "account"}, "not meant for this API"),
        ({"sub": "mario", "role": "kitchen", "iss": "http://elsewhere"}, "issuer"),
    ],
)
async def test_a_token_the_api_would_refuse_signs_nobody_in(
    site: Site, claims: dict[str, object], reason: str
) -> None:
    site.provider.claims = claims
    response = await site.http.get(await to_provider_and_back(site))
    assert response.status_code == 401
    assert reason in response.text
    assert COOKIE not in site.http.cookies
    assert (await site.http.get("/kitchen")).status_code == 303  # still off to sign in


async def test_a_provider_that_cannot_be_reached_is_a_503_page(tmp_path: Path) -> None:
    nobody = f"http://127.0.0.1:{free_port()}/realms/pizzeria"
    settings = oidc_settings(tmp_path, nobody, f"{nobody}/protocol/openid-connect/certs")
    async for http in app_client(settings):
        response = await http.get("/signin/oidc")
        assert response.status_code == 503
        assert "cannot be reached" in response.text and "<html" in response.text


async def test_the_sign_in_page_offers_the_provider_by_name(site: Site) -> None:
    response = await site.http.get("/signin?next=/kitchen")
    assert "Sign in with Keycloak" in response.text
    assert 'href="/signin/oidc?next=/kitchen"' in response.text


async def test_without_a_provider_there_is_no_provider_sign_in(tmp_path: Path) -> None:
    async for http in app_client(settings_for(tmp_path)):
        assert "Sign in with" not in (await http.get("/signin")).text
        assert (await http.get("/signin/oidc")).status_code == 404


async def test_signing_out_clears_the_session_and_ends_the_providers_session(site: Site) -> None:
    await site.http.get(await to_provider_and_back(site))
    response = await site.http.post("/signout", headers=ORIGIN)
    assert response.status_code == 303
    assert response.headers["location"].startswith(
        f"{site.provider.url}/protocol/openid-connect/logout?"
    )
    assert (
        "post_logout_redirect_uri=http%3A%2F%2Ftestserver%2Fsignin" in response.headers["location"]
    )
    assert COOKIE not in site.http.cookies
    assert (await site.http.get("/kitchen")).status_code == 303


def test_a_provider_without_its_keys_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="PIZZERIA_OIDC_ISSUER_URL needs PIZZERIA_AUTH_JWKS_URL"):
        Settings(_env_file=None, data_dir=tmp_path, oidc_issuer_url="http://127.0.0.1:1/realms/x")
