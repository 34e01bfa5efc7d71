"""External systems report what happened to an order as CloudEvents."""

from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import ValidationError

from api.deps import GatewayDep, StaffRole
from api.errors import describe_errors, summarize
from api.routers.common import ORDER_ERRORS
from api.schemas import EventAccepted
from domain.event_codec import MalformedCloudEvent, UnknownEventType, from_json

CONTENT_TYPES = ("application/cloudevents+json", "application/json")
EXAMPLE = {
    "specversion": "1.0",
    "id": "5f0c1f8e-2b7a-4c1e-9d43-8a6f0e2b9c10",
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
        "description": "A structured-mode CloudEvent; `id` is the event id, `subject` the order id",
        "content": {t: {"schema": {"type": "object"}, "example": EXAMPLE} for t in CONTENT_TYPES},
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
        415: {"description": "Not a structured CloudEvent"},
        422: {"description": "Not a valid CloudEvent, or its data does not fit the event type"},
    },
)
async def ingest_event(request: Request, _: StaffRole, gateway: GatewayDep) -> EventAccepted:
    """Deliver a CloudEvent to its order; a repeated event id changes nothing."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in CONTENT_TYPES:
        detail = f"send a structured CloudEvent as one of {', '.join(CONTENT_TYPES)}"
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, detail)
    try:
        event = from_json(await request.body())
    except UnknownEventType as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from None
    except MalformedCloudEvent as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    except ValidationError as error:
        detail = f"event data does not fit its type: {summarize(describe_errors(error.errors()))}"
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail) from None
    await gateway.deliver_event(event)
    return EventAccepted(event_id=str(event.event_id), order_id=event.order_id, type=event.type)
