"""Signing in to the pages with a real identity provider: OIDC authorization code with PKCE.

``/signin/oidc`` sends the browser to the provider's authorization endpoint;
the provider sends it back to ``/signin/callback`` with a code, which is
exchanged for an access token at the token endpoint. That token is verified
by the API's own authenticator (signature, ``iss``, ``aud``, ``exp``, role),
so a token the API would refuse never signs anyone in, and is then kept in the
same session cookie as every other sign-in. Refusals are pages a person can
act on (4xx); a provider that cannot be reached is a 503 page.
"""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, status
from starlette.responses import RedirectResponse, Response

from api.auth.authenticator import Authenticator, Unauthenticated
from api.auth.discovery import Discovery, ProviderUnavailable
from api.auth.keys import KeysUnavailable
from api.auth.principal import Principal
from api.deps import SettingsDep
from infra.settings import Settings
from web.oidc_flow import (
    FLOW_COOKIE,
    FLOW_PATH,
    FLOW_SECONDS,
    CodeRefused,
    Flow,
    exchange_code,
    redirect_uri,
)
from web.render import page
from web.session import COOKIE_SECONDS, Refused, is_secure, keep_session, safe_next

router = APIRouter(include_in_schema=False, tags=["pages"])
HOME_OF = {"customer": "/order", "kitchen": "/kitchen", "driver": "/delivery", "admin": "/admin"}
Text = Annotated[str | None, Query()]


def discovery(request: Request, settings: Settings) -> Discovery:
    """The app's cached discovery of the configured provider (404 when there is none)."""
    if settings.oidc_issuer_url is None:
        raise Refused(status.HTTP_404_NOT_FOUND, "no identity provider is configured", "Not here")
    known: Discovery | None = getattr(request.app.state, "oidc_discovery", None)
    if known is None or known.url != Discovery(settings.oidc_issuer_url).url:
        known = request.app.state.oidc_discovery = Discovery(settings.oidc_issuer_url)
    return known


def unavailable(reason: object) -> Refused:
    """The page for a provider that cannot be reached now."""
    return Refused(status.HTTP_503_SERVICE_UNAVAILABLE, f"{reason}; try again shortly", "Try again")


@router.get("/signin/oidc")
async def start(
    request: Request,
    settings: SettingsDep,
    next_: Annotated[str | None, Query(alias="next")] = None,
) -> Response:
    """Off to the provider, with a fresh ``state`` and PKCE challenge kept in the flow cookie."""
    try:
        endpoints = await discovery(request, settings).endpoints()
    except ProviderUnavailable as down:
        raise unavailable(down) from None
    flow = Flow.start(safe_next(next_))
    query = {
        "response_type": "code",
        "client_id": settings.oidc_client_id,
        "redirect_uri": redirect_uri(settings),
        "scope": "openid",
        "state": flow.state,
        "code_challenge": flow.challenge,
        "code_challenge_method": "S256",
    }
    joiner = "&" if "?" in endpoints.authorization else "?"
    answer = RedirectResponse(f"{endpoints.authorization}{joiner}{urlencode(query)}", 302)
    answer.set_cookie(
        FLOW_COOKIE,
        flow.cookie(),
        max_age=FLOW_SECONDS,
        path=FLOW_PATH,
        secure=is_secure(request, settings),
        httponly=True,
        samesite="lax",
    )
    return answer


@router.get(FLOW_PATH)
async def callback(
    request: Request,
    settings: SettingsDep,
    code: Text = None,
    state: Text = None,
    error: Text = None,
) -> Response:
    """Check ``state``, exchange the code, verify the token as the API does, keep it."""
    flow = Flow.from_cookie(request.cookies.get(FLOW_COOKIE))
    if error:
        raise Refused(status.HTTP_401_UNAUTHORIZED, f"the identity provider said: {error}")
    if flow is None or not flow.matches(state) or not code:
        detail = "this sign-in was not started here or has expired (state does not match)"
        raise Refused(status.HTTP_400_BAD_REQUEST, f"{detail}; sign in again", "Sign-in refused")
    token, lifetime = await access_token(request, settings, code, flow)
    who = await verified(request.app.state.authenticator, token)
    target = flow.target if flow.target != "/" else HOME_OF[who.role]
    answer = page(request, "signed_in.html", who=who, target=target, viewer=who)
    answer.delete_cookie(FLOW_COOKIE, path=FLOW_PATH, httponly=True, samesite="lax")
    return keep_session(answer, token, is_secure(request, settings), lifetime)


async def access_token(
    request: Request, settings: Settings, code: str, flow: Flow
) -> tuple[str, int]:
    """The access token for ``code`` and how long to keep it (the provider's ``expires_in``)."""
    try:
        endpoints = await discovery(request, settings).endpoints()
        answer = await exchange_code(endpoints.token, code, flow, settings)
    except ProviderUnavailable as down:
        raise unavailable(down) from None
    except CodeRefused as refused:
        detail = f"the identity provider refused the sign-in code ({refused}); sign in again"
        raise Refused(status.HTTP_401_UNAUTHORIZED, detail, "Sign-in refused") from None
    token, expires_in = answer.get("access_token"), answer.get("expires_in")
    if not isinstance(token, str) or not token:
        raise Refused(status.HTTP_401_UNAUTHORIZED, "the identity provider sent no access token")
    lifetime = expires_in if isinstance(expires_in, int) and expires_in > 0 else COOKIE_SECONDS
    return token, min(lifetime, COOKIE_SECONDS)


async def verified(authenticator: Authenticator, token: str) -> Principal:
    """Whom the token stands for, exactly as the API decides it."""
    try:
        return await authenticator.authenticate(f"Bearer {token}")
    except Unauthenticated as refused:
        detail = f"the API does not accept this account's token: {refused}"
        raise Refused(status.HTTP_401_UNAUTHORIZED, detail, "Sign-in refused") from None
    except KeysUnavailable as down:
        raise unavailable(down) from None


def provider_signout(request: Request, settings: Settings) -> str | None:
    """The provider's end-session URL (back to our sign-in page), when it is known already."""
    known: Discovery | None = getattr(request.app.state, "oidc_discovery", None)
    endpoints = known.known if known is not None and settings.uses_oidc() else None
    if endpoints is None or endpoints.end_session is None:
        return None
    back = settings.public_url.rstrip("/") + "/signin"
    query = urlencode({"client_id": settings.oidc_client_id, "post_logout_redirect_uri": back})
    return f"{endpoints.end_session}?{query}"
