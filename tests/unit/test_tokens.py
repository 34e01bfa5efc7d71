"""Bearer JWTs: what is accepted, what is refused and why, against a JWKS served over HTTP."""

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from api.auth.keys import JwksKeys, KeysUnavailable
from api.auth.principal import Principal
from api.auth.tokens import InvalidToken, TokenVerifier
from tests.jwks_server import AUDIENCE, ISSUER, Provider, SigningKey, jwks_provider

RSA_KEY = SigningKey.rsa("rsa-1")
EC_KEY = SigningKey.ec("ec-1")


@pytest.fixture
def provider() -> Iterator[Provider]:
    with jwks_provider(RSA_KEY, EC_KEY) as serving:
        yield serving


def verifier(provider: Provider, refresh_seconds: float = 0.0) -> TokenVerifier:
    keys = JwksKeys(provider.url, refresh_seconds)
    return TokenVerifier(keys, issuer=ISSUER, audience=AUDIENCE)


def segment(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("key", [RSA_KEY, EC_KEY], ids=["RS256", "ES256"])
async def test_a_valid_token_names_its_subject_and_role(provider, key) -> None:
    token = key.sign(sub="cust-42", role="customer")

    assert await verifier(provider).verify(token) == Principal("cust-42", "customer")


async def test_a_keycloak_role_list_with_one_of_our_roles_is_that_role(provider) -> None:
    token = RSA_KEY.sign(sub="k-1", role=["offline_access", "kitchen", "uma_authorization"])

    assert await verifier(provider).verify(token) == Principal("k-1", "kitchen")


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"exp": int(time.time()) - 120}, "token has expired"),
        ({"nbf": int(time.time()) + 3600}, "token is not valid yet"),
        ({"iss": "https://evil.example/realms/pizzeria"}, "issuer this API does not trust"),
        ({"aud": "another-api"}, "not meant for this API"),
        ({"exp": None}, "lacks a required claim"),
        ({"aud": None}, "lacks a required claim"),
        ({"iss": None}, "lacks a required claim"),
        ({"sub": None}, "lacks a required claim"),
        ({"role": "chef"}, "'role' must be one of"),
        ({"role": None}, "'role' must be one of"),
    ],
)
async def test_a_token_with_bad_claims_is_refused_saying_why(provider, claims, reason) -> None:
    with pytest.raises(InvalidToken, match=reason):
        await verifier(provider).verify(RSA_KEY.sign(**claims))


async def test_alg_none_is_refused(provider) -> None:
    header = segment({"alg": "none", "typ": "JWT", "kid": RSA_KEY.kid})
    token = f"{header}.{segment({'sub': 'admin', 'role': 'admin', 'iss': ISSUER})}."

    with pytest.raises(InvalidToken, match="algorithm 'none' is refused"):
        await verifier(provider).verify(token)


async def test_hs256_signed_with_the_published_public_key_is_refused(provider) -> None:
    public_pem = RSA_KEY.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    now = int(time.time())
    claims = {"sub": "admin", "role": "admin", "iss": ISSUER, "aud": AUDIENCE, "exp": now + 60}
    signing_input = f"{segment({'alg': 'HS256', 'kid': RSA_KEY.kid})}.{segment(claims)}"
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"

    with pytest.raises(InvalidToken, match="algorithm 'HS256' is refused"):
        await verifier(provider).verify(token)


async def test_a_tampered_payload_fails_the_signature(provider) -> None:
    header, _, signature = RSA_KEY.sign(role="customer").split(".")
    forged = jwt.decode(RSA_KEY.sign(role="customer"), options={"verify_signature": False})
    payload = segment({**forged, "role": "admin"})

    with pytest.raises(InvalidToken, match="signature does not verify"):
        await verifier(provider).verify(f"{header}.{payload}.{signature}")


async def test_a_key_of_another_algorithm_under_the_same_id_is_refused(provider) -> None:
    impostor = SigningKey("rsa-1", "ES256", EC_KEY.private)

    with pytest.raises(InvalidToken, match="is not an ES256 key"):
        await verifier(provider).verify(impostor.sign())


@pytest.mark.parametrize("garbage", ["not-a-jwt", "a.b.c", "", "e30.e30.e30"])
async def test_garbage_is_refused_as_not_a_jwt(provider, garbage) -> None:
    with pytest.raises(InvalidToken):
        await verifier(provider).verify(garbage)


async def test_a_rotated_key_is_fetched_when_a_token_names_its_new_kid(provider) -> None:
    checking = verifier(provider)
    await checking.verify(RSA_KEY.sign())
    rotated = SigningKey.rsa("rsa-2")
    provider.keys = [rotated]

    assert await checking.verify(rotated.sign(sub="cust-9")) == Principal("cust-9", "customer")
    assert provider.fetches == 2


async def test_unknown_key_ids_refetch_at_most_once_per_refresh_interval(provider) -> None:
    checking = verifier(provider, refresh_seconds=3600)
    await checking.verify(RSA_KEY.sign())
    strangers = [SigningKey.ec(f"forged-{n}") for n in range(5)]

    for stranger in strangers:
        with pytest.raises(InvalidToken, match="unknown key"):
            await checking.verify(stranger.sign())

    assert provider.fetches == 1


async def test_a_provider_that_is_down_is_unavailable_not_an_invalid_token(provider) -> None:
    provider.failing = True

    with pytest.raises(KeysUnavailable, match="cannot be fetched"):
        await verifier(provider).verify(RSA_KEY.sign())


async def test_cached_keys_keep_working_while_the_provider_is_down(provider) -> None:
    checking = verifier(provider)
    await checking.verify(RSA_KEY.sign())
    provider.failing = True

    assert await checking.verify(EC_KEY.sign(sub="x")) == Principal("x", "customer")
    with pytest.raises(KeysUnavailable):
        await checking.verify(SigningKey.ec("new-kid").sign())
