"""The codec endpoint: the Temporal web UI and CLI show payloads decoded, to staff only.

Temporal's remote codec protocol: ``POST /codec/decode`` (and ``/codec/encode``)
takes ``{"payloads": [...]}``, Temporal payloads in protobuf JSON, and answers
in kind. A sub-application of the API with CORS of its own for the UI's origin
(the browser calls it from there; a preflight needs no token). In dev it is
open, as the dev API listens on 127.0.0.1 only; elsewhere it takes an admin or
kitchen token, like the rest of the staff API.
"""

import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from google.protobuf import json_format
from starlette.datastructures import State
from temporalio.api.common.v1 import Payload, Payloads

from api.deps import require
from infra.codec import EncryptionCodec, PayloadTampered, UnknownCodecKey
from infra.codec_keys import key_ring
from infra.settings import Settings

CODEC_PATH = "/codec"
LOOPBACK = {"localhost": "127.0.0.1", "127.0.0.1": "localhost"}
Transform = Callable[[Sequence[Payload]], Awaitable[list[Payload]]]


def create_codec_app(settings: Settings, state: State) -> FastAPI:
    """The sub-application; it shares the API's ``state`` (its runtime) for the role check."""
    codec = EncryptionCodec(key_ring(settings))
    staff_only = [] if settings.env == "dev" else [Depends(require("admin", "kitchen"))]
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, dependencies=staff_only)
    app.state = state
    app.add_middleware(
        CORSMiddleware,
        allow_origins=ui_origins(settings.temporal_ui_url),
        allow_methods=["POST"],
        allow_headers=["authorization", "content-type", "x-namespace"],
        allow_credentials=True,
    )
    app.add_api_route("/encode", _apply(codec.encode), methods=["POST"])
    app.add_api_route("/decode", _apply(codec.decode), methods=["POST"])
    return app


def ui_origins(ui_url: str) -> list[str]:
    """The web UI's origin; on loopback also its other spelling (localhost, 127.0.0.1)."""
    parts = urlsplit(ui_url)
    origins = [urlunsplit((parts.scheme, parts.netloc, "", "", ""))]
    twin = LOOPBACK.get(parts.hostname or "")
    if twin is not None:
        netloc = twin + (f":{parts.port}" if parts.port else "")
        origins.append(urlunsplit((parts.scheme, netloc, "", "", "")))
    return origins


def _apply(transform: Transform) -> Callable[[Request], Awaitable[JSONResponse]]:
    async def endpoint(request: Request) -> JSONResponse:
        """Payloads in, the same number of payloads out."""
        payloads = _parse(await request.body())
        try:
            result = await transform(payloads)
        except (UnknownCodecKey, PayloadTampered) as refused:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(refused)) from None
        body: dict[str, Any] = {"payloads": [json_format.MessageToDict(p) for p in result]}
        return JSONResponse(body)

    return endpoint


def _parse(raw: bytes) -> list[Payload]:
    try:
        body = json.loads(raw)
        if not isinstance(body, dict):
            raise ValueError("not a JSON object")
        return list(json_format.ParseDict(body, Payloads()).payloads)
    except (json_format.ParseError, ValueError, TypeError) as error:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            f'the body must be {{"payloads": [...]}} of Temporal payloads: {error}',
        ) from None
