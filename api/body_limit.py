"""A cap on request bodies, enforced while the body streams in (pure ASGI middleware).

``Content-Length`` over the cap is refused before a byte is read; a body that
declares no length (chunked) or lies about it is counted as it arrives and
refused the moment it passes the cap, so nothing past 64 KiB is ever held in
memory or parsed. (FastAPI's own ``max_body_size`` answers a too-long
``Content-Length`` in plain text, not in the API's ``{"detail": ...}`` body.)
"""

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 64 * 1024


class BodyTooLarge(HTTPException):
    """The request body passed the cap (HTTP 413).

    An ``HTTPException`` so that FastAPI, which turns other errors raised while
    reading a body into a 400, passes it on unchanged.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body is larger than {limit // 1024} KiB")


class BodyLimit:
    """Refuse bodies over ``limit`` bytes with 413."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self._app = app
        self._limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self._app(scope, receive, send)
        if _declared_length(scope) > self._limit:
            return await self._too_large(scope, receive, send)
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self._limit:
                    raise BodyTooLarge(self._limit)
            return message

        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self._app(scope, counted, watched)
        except BodyTooLarge:
            if started:
                raise
            await self._too_large(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = BodyTooLarge(self._limit).detail
        await JSONResponse({"detail": detail}, 413, {"Connection": "close"})(scope, receive, send)


def _declared_length(scope: Scope) -> int:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0
