"""A JWKS served over real HTTP on 127.0.0.1, as an OIDC provider would, with keys to rotate.

The test owns the server: it can swap the published keys, count fetches, or
make the provider fail, and it is always shut down when the test ends.
"""

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

ISSUER = "http://127.0.0.1/realms/pizzeria"
AUDIENCE = "pizzeria"


@dataclass
class SigningKey:
    """A provider's key pair with its id and algorithm."""

    kid: str
    algorithm: str
    private: Any

    @classmethod
    def rsa(cls, kid: str) -> "SigningKey":
        return cls(kid, "RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @classmethod
    def ec(cls, kid: str) -> "SigningKey":
        return cls(kid, "ES256", ec.generate_private_key(ec.SECP256R1()))

    def jwk(self) -> dict[str, Any]:
        """The public half as a JWK."""
        kind = RSAAlgorithm if self.algorithm == "RS256" else ECAlgorithm
        public: dict[str, Any] = kind.to_jwk(self.private.public_key(), as_dict=True)
        return {**public, "kid": self.kid, "alg": self.algorithm, "use": "sig"}

    def sign(self, ttl: float = 300, **claims: Any) -> str:
        """A token with sensible defaults (sub, role, iss, aud, exp), overridden by ``claims``."""
        now = int(time.time())
        payload = {
            "sub": "cust-42",
            "role": "customer",
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + int(ttl),
            **claims,
        }
        payload = {key: value for key, value in payload.items() if value is not None}
        return jwt.encode(payload, self.private, self.algorithm, headers={"kid": self.kid})


@dataclass
class Provider:
    """What the server publishes and how often it was asked."""

    keys: list[SigningKey]
    fetches: int = 0
    failing: bool = False
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def document(self) -> bytes:
        return json.dumps({"keys": [key.jwk() for key in self.keys]}).encode()


@contextmanager
def jwks_provider(*keys: SigningKey) -> Iterator[Provider]:
    """Serve ``keys`` at ``provider.url`` until the block ends."""
    provider = Provider(list(keys))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with provider.lock:
                provider.fetches += 1
                failing, body = provider.failing, provider.document()
            self.send_response(500 if failing else 200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}" if failing else body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with serve(Handler) as base:
        provider.url = f"{base}/protocol/openid-connect/certs"
        yield provider


@contextmanager
def serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """``handler`` served on a free port of 127.0.0.1 until the block ends; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
