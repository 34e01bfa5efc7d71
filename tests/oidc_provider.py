"""A small OIDC provider over real HTTP on 127.0.0.1: discovery, authorize, token, JWKS.

``authorize`` signs in whoever the test chose (``provider.claims``) without a
login form and sends the browser back with a one-time code; ``token`` gives a
signed access token only for that code, the same ``redirect_uri`` and a
``code_verifier`` whose S256 hash is the challenge ``authorize`` saw, as a
real provider does (RFC 7636). Its keys are published at the JWKS URL.
"""

import base64
import hashlib
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.jwks_server import SigningKey, serve

CERTS = "/protocol/openid-connect/certs"


@dataclass
class Grant:
    """A code handed out by ``authorize`` and what the token request must match."""

    challenge: str
    redirect_uri: str
    client_id: str


@dataclass
class OidcProvider:
    """What the provider signs in, and what it has seen."""

    key: SigningKey
    claims: dict[str, Any] = field(default_factory=lambda: {"sub": "kitchen-1", "role": "kitchen"})
    url: str = ""
    grants: dict[str, Grant] = field(default_factory=dict)
    refusals: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def jwks_url(self) -> str:
        return self.url + CERTS

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/protocol/openid-connect/auth",
            "token_endpoint": f"{self.url}/protocol/openid-connect/token",
            "end_session_endpoint": f"{self.url}/protocol/openid-connect/logout",
            "jwks_uri": self.jwks_url,
            "code_challenge_methods_supported": ["S256"],
        }

    def authorize(self, query: dict[str, str]) -> str:
        """Where the browser goes back to: ``redirect_uri`` with a fresh code and the state."""
        assert query.get("response_type") == "code" and query.get("code_challenge_method") == "S256"
        assert "openid" in query.get("scope", "").split()
        code = secrets.token_urlsafe(16)
        with self.lock:
            self.grants[code] = Grant(
                query["code_challenge"], query["redirect_uri"], query["client_id"]
            )
        return f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """The token endpoint's status and JSON for a code exchange."""
        with self.lock:
            grant = self.grants.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "").encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if grant is None or form.get("grant_type") != "authorization_code":
            return self._refuse("invalid_grant", "unknown or used code")
        if challenge.decode() != grant.challenge:
            return self._refuse("invalid_grant", "PKCE verification failed")
        if (form.get("redirect_uri"), form.get("client_id")) != (
            grant.redirect_uri,
            grant.client_id,
        ):
            return self._refuse("invalid_grant", "redirect_uri or client_id differ")
        token = self.key.sign(**self.claims)
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": 300}

    def _refuse(self, error: str, description: str) -> tuple[int, dict[str, Any]]:
        self.refusals.append(description)
        return 400, {"error": error, "error_description": description}


@contextmanager
def oidc_provider(key: SigningKey) -> Iterator[OidcProvider]:
    """An OIDC provider signing with ``key`` at ``provider.url`` until the block ends."""
    provider = OidcProvider(key)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path, _, raw = self.path.partition("?")
            query = {name: values[0] for name, values in parse_qs(raw).items()}
            if path.endswith("/.well-known/openid-configuration"):
                return self._json(200, provider.discovery())
            if path.endswith(CERTS):
                return self._json(200, {"keys": [provider.key.jwk()]})
            if path.endswith("/auth"):
                self.send_response(302)
                self.send_header("Location", provider.authorize(query))
                return self.end_headers()
            self._json(404, {"error": "not_found"})

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
            form = {name: values[0] for name, values in parse_qs(body).items()}
            if urlsplit(self.path).path.endswith("/token"):
                return self._json(*provider.token(form))
            self._json(404, {"error": "not_found"})

        def _json(self, code: int, body: dict[str, Any]) -> None:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps(body).encode())

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with serve(Handler) as base:
        provider.url = base + "/realms/pizzeria"
        yield provider
