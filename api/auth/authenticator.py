"""From an ``Authorization`` header to a ``Principal``: dev aliases first, then the JWT."""

from api.auth import dev_key
from api.auth.keys import JwksKeys, KeySource, StaticKeys
from api.auth.principal import Principal, dev_principals
from api.auth.tokens import InvalidToken, TokenVerifier
from infra.settings import Settings


class Unauthenticated(Exception):
    """No usable credentials (HTTP 401 with ``WWW-Authenticate: Bearer``)."""


class Authenticator:
    """Turns a request's credentials into the principal making it."""

    def __init__(self, verifier: TokenVerifier, aliases: dict[str, Principal]) -> None:
        self._verifier = verifier
        self._aliases = aliases

    async def authenticate(self, authorization: str | None) -> Principal:
        """The caller; ``Unauthenticated`` saying why not, or ``KeysUnavailable`` (503)."""
        if not authorization:
            raise Unauthenticated("missing bearer token: send 'Authorization: Bearer <token>'")
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("send the token as 'Authorization: Bearer <token>'")
        alias = self._aliases.get(token)
        if alias is not None:
            return alias
        try:
            return await self._verifier.verify(token)
        except InvalidToken as refused:
            raise Unauthenticated(str(refused)) from None


def key_source(settings: Settings) -> KeySource:
    """The provider's JWKS when configured, else the dev key under the data directory."""
    if settings.auth_jwks_url is not None:
        return JwksKeys(settings.auth_jwks_url, settings.auth_jwks_refresh_seconds)
    return StaticKeys(dev_key.public_jwks(dev_key.load_or_create(settings.data_dir)))


def authenticator_for(settings: Settings) -> Authenticator:
    """The authenticator ``settings`` describe (dev aliases only where they are allowed)."""
    verifier = TokenVerifier(
        key_source(settings), issuer=settings.auth_issuer, audience=settings.auth_audience
    )
    return Authenticator(verifier, dev_principals() if settings.uses_dev_tokens() else {})
