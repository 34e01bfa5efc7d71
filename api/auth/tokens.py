"""Bearer tokens into principals: PyJWT verifies, this module decides what is acceptable.

Only RS256 and ES256 are accepted, and only with a key of the same algorithm
from the key source, so ``alg: none`` and an HS256 token "signed" with a
published public key are refused before any signature check. ``exp``, ``iss``,
``aud`` and ``sub`` must be present and right; ``nbf`` is honoured when present.
"""

from typing import Any

import jwt

from api.auth.keys import KeySource
from api.auth.principal import ROLES, Principal, Role, as_role

ALGORITHMS = frozenset({"RS256", "ES256"})
REQUIRED_CLAIMS = ["exp", "iss", "aud", "sub"]
LEEWAY_SECONDS = 30
REFUSALS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.ExpiredSignatureError, "token has expired"),
    (jwt.ImmatureSignatureError, "token is not valid yet"),
    (jwt.InvalidAudienceError, "token is not meant for this API (audience)"),
    (jwt.InvalidIssuerError, "token comes from an issuer this API does not trust"),
    (jwt.InvalidSignatureError, "token signature does not verify"),
    (jwt.MissingRequiredClaimError, "token lacks a required claim"),
)


class InvalidToken(Exception):
    """The bearer token is malformed, forged, expired or not meant for us (HTTP 401)."""


class TokenVerifier:
    """Verifies JWTs against a key source, an issuer and an audience."""

    def __init__(self, keys: KeySource, *, issuer: str, audience: str) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience

    async def verify(self, token: str) -> Principal:
        """The token's principal; ``InvalidToken`` saying why not, ``KeysUnavailable`` (503)."""
        algorithm, kid = _header(token)
        key = await self._keys.find(kid)
        if key is None:
            raise InvalidToken(f"token is signed by an unknown key '{kid}'")
        if key.algorithm_name != algorithm:
            raise InvalidToken(f"key '{kid}' is not an {algorithm} key")
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                audience=self._audience,
                issuer=self._issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(_reason(error)) from None
        return principal_from(claims)


def _header(token: str) -> tuple[str, str]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise InvalidToken("bearer token is not a JWT") from None
    algorithm, kid = header.get("alg"), header.get("kid")
    if algorithm not in ALGORITHMS:
        raise InvalidToken(f"token algorithm '{algorithm}' is refused; RS256 or ES256 only")
    if not isinstance(kid, str) or not kid:
        raise InvalidToken("token header names no key id ('kid')")
    return str(algorithm), kid


def _reason(error: jwt.PyJWTError) -> str:
    for kind, reason in REFUSALS:
        if isinstance(error, kind):
            return f"{reason}: {error}"
    return f"invalid token: {error}"


def principal_from(claims: dict[str, Any]) -> Principal:
    """``sub`` and ``role`` (a string, or a list holding one of our roles, as Keycloak sends)."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise InvalidToken("token 'sub' must be a non-empty string")
    role = _role(claims.get("role"))
    if role is None:
        raise InvalidToken(f"token 'role' must be one of {', '.join(sorted(ROLES))}")
    return Principal(subject, role)


def _role(claim: object) -> Role | None:
    if isinstance(claim, list):
        ours = {role for value in claim if (role := as_role(value)) is not None}
        return ours.pop() if len(ours) == 1 else None
    return as_role(claim)
