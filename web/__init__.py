"""The pizzeria's own pages: kitchen and driver boards, the order tracker, admin, ordering.

Server-rendered with Jinja2; htmx (vendored under ``static/``) swaps in the
partials each page's Server-Sent Events stream pushes. ``install_pages``
mounts it all on the API's app.
"""

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from web import actions, admin_actions, oidc, ordering, pages, signin, streams
from web.errors import install_page_errors
from web.render import STATIC


def install_pages(app: FastAPI) -> None:
    """Add the pages, their buttons, their streams and their static files to ``app``."""
    for module in (pages, signin, oidc, actions, ordering, admin_actions, streams):
        app.include_router(module.router)
    app.mount("/web/static", StaticFiles(directory=STATIC), name="static")
    install_page_errors(app)
