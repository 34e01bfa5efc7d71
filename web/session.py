"""Who is looking at a page: the API's own token, kept in a cookie no script can read.

The cookie holds the same bearer token the API takes (a dev token or a JWT),
is ``HttpOnly`` (never readable by script) and ``SameSite=Strict`` (never sent
on a request another site starts). Every form post is also checked for an
``Origin`` (or, lacking one, ``Referer``) of this very site, so a page
elsewhere cannot post on a signed-in person's behalf even in a browser that
ignores SameSite. The JSON API never reads this cookie: it stays bearer-only.
"""

from collections.abc import Callable, Coroutine
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request, status
from starlette.responses import Response

from api.auth.authenticator import Authenticator, Unauthenticated
from api.auth.keys import KeysUnavailable
from api.auth.principal import Principal, Role
from infra.settings import Settings

COOKIE = "pizzeria_session"
COOKIE_SECONDS = 8 * 3600


class SignInRequired(Exception):
    """The page needs someone signed in (answered with a redirect to the sign-in page)."""


class Refused(Exception):
    """A page or a button refused: shown as an error page, or as a notice to htmx."""

    def __init__(self, status_code: int, message: str, title: str = "Not possible") -> None:
        super().__init__(message)
        self.status_code, self.message, self.title = status_code, message, title


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def is_secure(request: Request, settings: Settings) -> bool:
    """Whether cookies must be ``Secure`` (the site is reached, or published, over https)."""
    return request.url.scheme == "https" or settings.public_url.startswith("https:")


def keep_session(
    answer: Response, token: str, secure: bool, max_age: int = COOKIE_SECONDS
) -> Response:
    """``answer`` setting the session cookie to ``token``: HttpOnly, SameSite=Strict."""
    answer.set_cookie(
        COOKIE, token, max_age=max_age, path="/", secure=secure, httponly=True, samesite="strict"
    )
    return answer


def end_session(answer: Response) -> Response:
    """``answer`` clearing the session cookie."""
    answer.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return answer


async def signed_in(request: Request, token: str) -> Principal | None:
    """Whom ``token`` stands for, or None when it is no good (expired, forged, unknown)."""
    authenticator: Authenticator = request.app.state.authenticator
    try:
        return await authenticator.authenticate(f"Bearer {token}")
    except (Unauthenticated, KeysUnavailable):
        return None


async def optional_viewer(request: Request) -> Principal | None:
    """The person signed in on this browser, if anyone."""
    token = request.cookies.get(COOKIE)
    viewer = await signed_in(request, token) if token else None
    request.state.viewer = viewer
    return viewer


async def viewer(principal: Annotated[Principal | None, Depends(optional_viewer)]) -> Principal:
    """The person signed in; ``SignInRequired`` when nobody is."""
    if principal is None:
        raise SignInRequired
    return principal


Viewer = Annotated[Principal, Depends(viewer)]


def role_in(*roles: Role) -> Callable[[Principal], Coroutine[None, None, Principal]]:
    """A dependency letting only ``roles`` see a page or press its buttons (403 otherwise)."""

    async def check(principal: Viewer) -> Principal:
        if principal.role not in roles:
            detail = f"signed in as {principal.role}; this is for {' or '.join(roles)}"
            raise Refused(status.HTTP_403_FORBIDDEN, detail)
        return principal

    return check


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def own_origins(request: Request) -> set[str]:
    """This site's origins: as this request reached it, and its configured public URL."""
    runtime = getattr(request.app.state, "runtime", None)
    here = f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"
    return {here} | ({origin_of(runtime.settings.public_url)} if runtime else set())


async def same_origin(request: Request) -> None:
    """Refuse a form post that another site started (CSRF): 403 unless it comes from here."""
    sent = request.headers.get("origin") or request.headers.get("referer")
    if sent and origin_of(sent) in own_origins(request):
        return
    detail = "this form must be sent from the pizzeria's own pages (Origin check failed)"
    raise Refused(status.HTTP_403_FORBIDDEN, detail)


SameOrigin = Depends(same_origin)
