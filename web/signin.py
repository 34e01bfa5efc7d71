"""Signing in to the pages with the API's own identity: dev tokens by role, or any token.

In dev the page offers one button per role, each signing in with that role's
dev token. Everywhere a token can be pasted (``pizzeria token ROLE`` prints
one). With a real identity provider (``PIZZERIA_OIDC_ISSUER_URL``) it also
offers "Sign in with <provider>": the authorization-code flow of ``web.oidc``.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from starlette.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SettingsDep
from infra.settings import DEV_SUBJECTS, DEV_TOKENS
from web.oidc import provider_signout
from web.render import page
from web.session import (
    SameOrigin,
    end_session,
    is_secure,
    keep_session,
    safe_next,
    signed_in,
)

router = APIRouter(include_in_schema=False, tags=["pages"])
TOKEN_OF = {role: token for token, role in DEV_TOKENS.items()}


def signin_page(
    request: Request, settings: SettingsDep, target: str, message: str = "", code: int = 200
) -> HTMLResponse:
    """The sign-in page; the role buttons only where dev tokens are accepted."""
    roles = [(role, DEV_SUBJECTS[role]) for role in TOKEN_OF] if settings.uses_dev_tokens() else []
    provider = settings.oidc_provider_name if settings.uses_oidc() else None
    return page(
        request,
        "signin.html",
        code,
        dev_roles=roles,
        provider=provider,
        next=target,
        message=message,
        refused=True,
    )


@router.get("/signin")
async def signin_form(
    request: Request,
    settings: SettingsDep,
    next_: Annotated[str | None, Query(alias="next")] = None,
) -> HTMLResponse:
    """Pick a role (dev) or paste a token."""
    return signin_page(request, settings, safe_next(next_))


@router.post("/signin", dependencies=[SameOrigin])
async def signin(request: Request, settings: SettingsDep) -> Response:
    """Keep the token in an HttpOnly, SameSite=Strict cookie and go back where the person was."""
    form = await request.form()
    target = safe_next(str(form.get("next") or ""))
    role = str(form.get("role") or "")
    token = TOKEN_OF.get(role, "") if settings.uses_dev_tokens() else ""
    token = token or str(form.get("token") or "").strip()
    if not token or await signed_in(request, token) is None:
        message = "That token was not accepted (expired, for another audience, or unknown)."
        return signin_page(request, settings, target, message, status.HTTP_401_UNAUTHORIZED)
    answer = RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)
    return keep_session(answer, token, is_secure(request, settings))


@router.post("/signout", dependencies=[SameOrigin])
async def signout(request: Request, settings: SettingsDep) -> Response:
    """Forget the token; with a provider, end its session too (it sends the person back)."""
    target = provider_signout(request, settings) or "/signin"
    return end_session(RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER))
