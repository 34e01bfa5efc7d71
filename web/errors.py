"""How the pages answer refusals: a page (or, to htmx, a notice) a person can act on."""

from urllib.parse import quote

from fastapi import FastAPI, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from web.render import fragment, page
from web.session import Refused, SignInRequired


def is_htmx(request: Request) -> bool:
    """Whether htmx sent the request (it wants a fragment, not a page)."""
    return request.headers.get("hx-request") == "true"


def notice(request: Request, message: str, status_code: int = 200, back: str = "/") -> Response:
    """What a button's answer shows: a notice for htmx; without script, a page."""
    refused = status_code >= 400
    if is_htmx(request):
        html = fragment("partials/notice.html", message=message, refused=refused)
        return HTMLResponse(html, status_code)
    if not refused:
        return RedirectResponse(back, status_code=303)
    return page(
        request,
        "error.html",
        status_code,
        title="Not possible",
        message=message,
        refused=True,
        back=back,
    )


async def page_error(request: Request, error: Exception) -> Response:
    """A ``Refused`` as the person sees it."""
    assert isinstance(error, Refused)
    if is_htmx(request):
        return notice(request, error.message, error.status_code)
    return page(
        request,
        "error.html",
        error.status_code,
        title=error.title,
        message=error.message,
        refused=True,
        back="/",
    )


async def sign_in_first(request: Request, _: Exception) -> Response:
    """Nobody is signed in: off to the sign-in page, and back here afterwards."""
    target = f"/signin?next={quote(request.url.path)}"
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def install_page_errors(app: FastAPI) -> None:
    """Register the handlers above on ``app``."""
    app.add_exception_handler(Refused, page_error)
    app.add_exception_handler(SignInRequired, sign_in_first)
