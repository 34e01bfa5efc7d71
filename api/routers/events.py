"""External systems report what happened to an order as CloudEvents (HTTP binding)."""

from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import ValidationError

from api.deps import GatewayDep, StaffRole
from api.errors import describe_errors, summarize
from api.routers.common import ORDER_ERRORS
from api.schemas import EventAccepted
from domain.event_codec import MalformedCloudEvent, UnknownEventType, from_client

STRUCTURED = ("application/cloudevents+json", "application/json")
BINARY_DATA = "application/json"
EXAMPLE = {
    "specversion": "1.0",
    "id": "kds-2026-11-23-0042",
    "source": "urn:mariospizzeria:kitchen-display",
    "type": "com.mariospizzeria.order.cooking_started.v1",
    "subject": "0b6f1c2e-5d2a-5a7e-9a51-1f0c8e6e2d11",
    "time": "2026-11-23T12:00:00Z",
    "datacontenttype": "application/json",
    "data": {},
}
REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": (
            "A CloudEvent. Structured mode: the whole event as JSON. Binary mode: attributes as "
            "`ce-specversion`, `ce-id`, `ce-source`, `ce-type`, `ce-subject`, `ce-time` headers "
            "and the data as an `application/json` body. `subject` is the order id; the event id "
            "is derived from (`source`, `id`), so a repeat is ignored."
        ),
        "content": {t: {"schema": {"type": "object"}, "example": EXAMPLE} for t in STRUCTURED},
    }
}

router = APIRouter(tags=["events"])


@router.post(
    "/events",
    status_code=status.HTTP_202_ACCEPTED,
    openapi_extra=REQUEST_BODY,
    responses={
        **ORDER_ERRORS,
        400: {"description": "The event type is not in the catalogue"},
        409: {"description": "The order is closed and takes no more events"},
        415: {"description": "Not a CloudEvent in structured or binary JSON content mode"},
        422: {"description": "Not a valid CloudEvent, or its data does not fit the event type"},
    },
)
async def ingest_event(request: Request, _: StaffRole, gateway: GatewayDep) -> EventAccepted:
    """Deliver a CloudEvent to its order; the same (source, id) twice changes nothing."""
    headers = _cloudevent_headers(request)
    try:
        event = from_client(headers, await request.body())
    except UnknownEventType as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from None
    except MalformedCloudEvent as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    except ValidationError as error:
        detail = f"event data does not fit its type: {summarize(describe_errors(error.errors()))}"
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail) from None
    await gateway.deliver_event(event)
    return EventAccepted(event_id=str(event.event_id), order_id=event.order_id, type=event.type)


def _cloudevent_headers(request: Request) -> dict[str, str]:
    """The headers the HTTP binding reads; 415 unless the content mode is one we take."""
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";")[0].strip().lower()
    attributes = {k: v for k, v in request.headers.items() if k.lower().startswith("ce-")}
    binary = bool(attributes)
    if (binary and media_type != BINARY_DATA) or (not binary and media_type not in STRUCTURED):
        detail = (
            f"send a structured CloudEvent as one of {', '.join(STRUCTURED)}, or a binary one "
            f"with ce-* headers and {BINARY_DATA} data"
        )
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, detail)
    return {**attributes, "content-type": content_type}
