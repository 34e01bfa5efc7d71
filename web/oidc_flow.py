"""The browser's half of an authorization-code sign-in: PKCE, the flow cookie, the code exchange.

Each sign-in gets a fresh random ``state`` and PKCE ``code_verifier`` (RFC
7636, S256). Both travel in a cookie that lives ten minutes, only on the
callback path, ``HttpOnly`` and ``SameSite=Lax``: Lax because the provider
sends the browser back by a cross-site redirect, which a Strict cookie would
miss. The cookie needs no signature: it holds only values this server drew at
random for this browser, and the callback accepts a code only when the
``state`` the provider returns equals the cookie's, and the provider releases a
token only for the verifier whose challenge it saw.
"""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

import httpx

from api.auth.discovery import ProviderUnavailable
from infra.settings import Settings

FLOW_COOKIE = "pizzeria_oidc"
FLOW_PATH = "/signin/callback"
FLOW_SECONDS = 600
EXCHANGE_TIMEOUT_SECONDS = 10.0


class CodeRefused(Exception):
    """The provider would not turn the code into a token (wrong verifier, used or expired code)."""


@dataclass(frozen=True)
class Flow:
    """One sign-in under way: what the callback must see again, and where to go after."""

    state: str
    verifier: str
    target: str

    @classmethod
    def start(cls, target: str) -> "Flow":
        """A flow with fresh random ``state`` and verifier."""
        return cls(secrets.token_urlsafe(24), secrets.token_urlsafe(48), target)

    @property
    def challenge(self) -> str:
        """The S256 code challenge of the verifier."""
        digest = hashlib.sha256(self.verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def cookie(self) -> str:
        """The flow as the cookie keeps it."""
        return f"{self.state}:{self.verifier}:{self.target}"

    @classmethod
    def from_cookie(cls, value: str | None) -> "Flow | None":
        """The flow a cookie keeps, or None when there is none or it is malformed."""
        parts = (value or "").split(":", 2)
        if len(parts) != 3 or not all(parts[:2]):
            return None
        return cls(*parts)

    def matches(self, state: str | None) -> bool:
        """Whether the provider sent back this flow's ``state`` (compared in constant time)."""
        return bool(state) and hmac.compare_digest(self.state, str(state))


def redirect_uri(settings: Settings) -> str:
    """Where the provider sends the browser back: the public URL's callback."""
    return settings.public_url.rstrip("/") + FLOW_PATH


async def exchange_code(token_endpoint: str, code: str, flow: Flow, settings: Settings) -> Any:
    """The token endpoint's JSON answer for ``code``; CodeRefused or ProviderUnavailable."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri(settings),
        "client_id": settings.oidc_client_id,
        "code_verifier": flow.verifier,
    }
    secret = settings.oidc_client_secret
    # A confidential client authenticates (client_secret_basic); a public one has only PKCE.
    auth = httpx.BasicAuth(settings.oidc_client_id, secret) if secret else httpx.USE_CLIENT_DEFAULT
    try:
        async with httpx.AsyncClient(timeout=EXCHANGE_TIMEOUT_SECONDS) as client:
            response = await client.post(token_endpoint, data=form, auth=auth)
        answer = response.json() if response.content else {}
    except (httpx.HTTPError, ValueError) as error:
        raise ProviderUnavailable(f"the identity provider did not answer: {error}") from None
    if response.status_code >= 500:
        raise ProviderUnavailable(f"the identity provider failed ({response.status_code})")
    if response.status_code != 200 or not isinstance(answer, dict):
        reason = (
            answer.get("error_description") or answer.get("error")
            if isinstance(answer, dict)
            else None
        )
        raise CodeRefused(str(reason or f"token endpoint answered {response.status_code}"))
    return answer
