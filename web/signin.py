"""Signing in to the pages with the API's own identity: dev tokens by role, or any token.

In dev the page offers one button per role, each signing in with that role's
dev token. Everywhere a token can be pasted (``pizzeria token ROLE`` prints
one). With a real identity provider the pages would get their token through
the OIDC authorization-code flow instead (README, "Signing in to the pages").
"""

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from starlette.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SettingsDep
from infra.settings import DEV_SUBJECTS, DEV_TOKENS
from web.render import page
from web.session import COOKIE, COOKIE_SECONDS, SameOrigin, signed_in

router = APIRouter(include_in_schema=False, tags=["pages"])
TOKEN_OF = {role: token for token, role in DEV_TOKENS.items()}


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def signin_page(
    request: Request, settings: SettingsDep, target: str, message: str = "", code: int = 200
) -> HTMLResponse:
    """The sign-in page; the role buttons only where dev tokens are accepted."""
    roles = [(role, DEV_SUBJECTS[role]) for role in TOKEN_OF] if settings.uses_dev_tokens() else []
    return page(
        request, "signin.html", code, dev_roles=roles, next=target, message=message, refused=True
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
    answer.set_cookie(
        COOKIE,
        token,
        max_age=COOKIE_SECONDS,
        path="/",
        secure=request.url.scheme == "https" or settings.public_url.startswith("https:"),
        httponly=True,
        samesite="strict",
    )
    return answer


@router.post("/signout", dependencies=[SameOrigin])
async def signout() -> Response:
    """Forget the token."""
    answer = RedirectResponse("/signin", status_code=status.HTTP_303_SEE_OTHER)
    answer.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return answer
