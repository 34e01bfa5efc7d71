"""The dev signing key: an ES256 key pair made once under ``<data-dir>/auth/``.

Dev and test verify tokens against it and ``pizzeria token`` signs with it, so
both find the same key as long as they share the data directory. The private
key file is readable by its owner only.
"""

import hashlib
import os
import time
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

ALGORITHM = "ES256"
KEY_FILE = "signing-key.pem"


def key_path(data_dir: Path) -> Path:
    """Where the dev private key lives."""
    return data_dir / "auth" / KEY_FILE


def load_or_create(data_dir: Path) -> ec.EllipticCurvePrivateKey:
    """The dev private key, generated on first use (safe when two processes race)."""
    path = key_path(data_dir)
    if not path.exists():
        _create(path)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{path} is not an EC private key; delete it to get a new dev key")
    return key


def _create(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(pem)
    try:
        # link() never replaces: whoever links first wins and every process reads that key.
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()


def key_id(key: ec.EllipticCurvePrivateKey) -> str:
    """A stable id for the key pair, derived from its public half."""
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return f"dev-{hashlib.sha256(der).hexdigest()[:16]}"


def public_jwks(key: ec.EllipticCurvePrivateKey) -> dict[str, Any]:
    """The public half as a JWK Set, as an OIDC provider would publish it."""
    jwk: dict[str, Any] = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {"keys": [{**jwk, "kid": key_id(key), "alg": ALGORITHM, "use": "sig"}]}


def sign(
    key: ec.EllipticCurvePrivateKey,
    claims: dict[str, Any],
    *,
    issuer: str,
    audience: str,
    ttl_seconds: float,
) -> str:
    """A JWT carrying ``claims``, valid from now for ``ttl_seconds``."""
    now = int(time.time())
    payload = {"iss": issuer, "aud": audience, "iat": now, "exp": now + int(ttl_seconds), **claims}
    return jwt.encode(payload, key, algorithm=ALGORITHM, headers={"kid": key_id(key)})
