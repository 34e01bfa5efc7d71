"""Where token-signing keys come from: a fixed key set, or an OIDC provider's JWKS over HTTP.

The provider's set is cached. A token naming a key id the cache does not know
triggers one refresh (rotation), at most once per ``refresh_seconds`` however
many such tokens arrive, so forged key ids cannot flood the provider. A
provider that cannot be reached only matters to a token whose key is not
cached: that request gets ``KeysUnavailable`` (503), every other one goes on.
"""

import asyncio
import logging
import time
from typing import Any, Protocol

import httpx
from jwt import PyJWK, PyJWKSet
from jwt.exceptions import PyJWKSetError

FETCH_TIMEOUT_SECONDS = 5.0
MAX_AGE_SECONDS = 600.0

log = logging.getLogger(__name__)


class KeysUnavailable(Exception):
    """The signing key a token needs cannot be fetched now (HTTP 503)."""


async def fetch_json(url: str) -> Any:
    """The JSON document at ``url`` (``httpx.HTTPError`` or ``ValueError`` when there is none)."""
    async with httpx.AsyncClient(timeout=FETCH_TIMEOUT_SECONDS) as client:
        response = await client.get(url)
        response.raise_for_status()
        return response.json()


class KeySource(Protocol):
    """Finds the public key with a given key id."""

    async def find(self, kid: str) -> PyJWK | None:
        """The key, or None when the source has no key with that id."""


def signing_keys(jwks: dict[str, Any]) -> dict[str, PyJWK]:
    """The signature keys of a JWK Set by id (keys for encryption or of unknown types skipped)."""
    usable = [key for key in jwks.get("keys", []) if key.get("use", "sig") == "sig"]
    try:
        key_set = PyJWKSet.from_dict({"keys": usable})
    except PyJWKSetError:
        return {}
    return {key.key_id: key for key in key_set.keys if key.key_id}


class StaticKeys:
    """A key set known up front (the dev key)."""

    def __init__(self, jwks: dict[str, Any]) -> None:
        self._keys = signing_keys(jwks)

    async def find(self, kid: str) -> PyJWK | None:
        """The key with id ``kid``."""
        return self._keys.get(kid)


class JwksKeys:
    """An OIDC provider's key set, fetched without blocking the event loop and cached."""

    def __init__(self, url: str, refresh_seconds: float) -> None:
        self._url = url
        self._refresh_seconds = refresh_seconds
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at: float | None = None
        self._tried_at: float | None = None
        self._lock = asyncio.Lock()

    async def find(self, kid: str) -> PyJWK | None:
        """The key with id ``kid``, refreshing the cache when it does not know it or is old."""
        if kid in self._keys and not self._stale():
            return self._keys[kid]
        async with self._lock:
            if (kid not in self._keys or self._stale()) and self._may_try():
                await self._refresh(kid)
        if kid not in self._keys and self._fetched_at is None:
            raise KeysUnavailable(f"the identity provider's keys ({self._url}) cannot be fetched")
        return self._keys.get(kid)

    def _stale(self) -> bool:
        return self._fetched_at is None or time.monotonic() - self._fetched_at > MAX_AGE_SECONDS

    def _may_try(self) -> bool:
        return self._tried_at is None or time.monotonic() - self._tried_at >= self._refresh_seconds

    async def _refresh(self, kid: str) -> None:
        self._tried_at = time.monotonic()
        try:
            keys = signing_keys(await fetch_json(self._url))
        except (httpx.HTTPError, ValueError, AttributeError) as error:
            log.warning("cannot fetch JWKS from %s: %s", self._url, error)
            if kid not in self._keys:
                raise KeysUnavailable(
                    f"the identity provider's keys ({self._url}) cannot be fetched: {error}"
                ) from None
            return
        self._keys, self._fetched_at = keys, time.monotonic()
