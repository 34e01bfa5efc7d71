"""An OIDC provider's endpoints, read from its discovery document and cached.

``<issuer>/.well-known/openid-configuration`` names where a browser signs in
(``authorization_endpoint``), where a code becomes a token
(``token_endpoint``) and where sign-out ends the provider's session
(``end_session_endpoint``). The document is fetched with the same code that
fetches the JWKS (``keys.fetch_json``) and kept once fetched; a provider that
cannot be reached is ``ProviderUnavailable`` (HTTP 503), tried again next time.
Its ``issuer`` is not compared with the URL asked: behind a compose network
the provider is reached by an inner name while tokens name the public one, and
the token's ``iss`` is checked by the API's verifier anyway.
"""

import asyncio
import logging
from dataclasses import dataclass

import httpx

from api.auth.keys import fetch_json

WELL_KNOWN = "/.well-known/openid-configuration"

log = logging.getLogger(__name__)


class ProviderUnavailable(Exception):
    """The identity provider cannot be reached or answers nonsense (HTTP 503)."""


@dataclass(frozen=True)
class ProviderEndpoints:
    """What the pages need of a provider's discovery document."""

    authorization: str
    token: str
    end_session: str | None = None


class Discovery:
    """The endpoints of the provider at ``issuer_url``, fetched on first use."""

    def __init__(self, issuer_url: str) -> None:
        self.url = issuer_url.rstrip("/") + WELL_KNOWN
        self._endpoints: ProviderEndpoints | None = None
        self._lock = asyncio.Lock()

    @property
    def known(self) -> ProviderEndpoints | None:
        """The endpoints if they were fetched already (nothing is fetched)."""
        return self._endpoints

    async def endpoints(self) -> ProviderEndpoints:
        """The provider's endpoints; ``ProviderUnavailable`` when they cannot be had now."""
        async with self._lock:
            if self._endpoints is None:
                self._endpoints = await self._fetch()
        return self._endpoints

    async def _fetch(self) -> ProviderEndpoints:
        try:
            document = await fetch_json(self.url)
            return ProviderEndpoints(
                authorization=_url(document, "authorization_endpoint"),
                token=_url(document, "token_endpoint"),
                end_session=document.get("end_session_endpoint") or None,
            )
        except (httpx.HTTPError, ValueError, AttributeError, KeyError) as error:
            log.warning("cannot read OIDC discovery from %s: %s", self.url, error)
            raise ProviderUnavailable(
                f"the identity provider ({self.url}) cannot be reached"
            ) from None


def _url(document: dict[str, object], name: str) -> str:
    value = document[name]
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise ValueError(f"discovery document has no usable {name}")
    return value
