"""Admins inject provider faults at run time (the demo's SMS outage, chaos drills)."""

from fastapi import APIRouter, HTTPException, Path, Response, status

from api.deps import AdminRole, ServicesDep
from services.faults import PROVIDERS
from services.messages import Fault

router = APIRouter(
    prefix="/admin/faults",
    tags=["admin"],
    responses={
        401: {"description": "Missing or unknown bearer token"},
        403: {"description": "Only admins may inject faults"},
        404: {"description": "No such provider"},
    },
)

PROVIDER = Path(description=f"One of {', '.join(sorted(PROVIDERS))}", examples=["sms"])


def _known(provider: str) -> str:
    if provider not in PROVIDERS:
        detail = f"unknown provider '{provider}'; choose one of {', '.join(sorted(PROVIDERS))}"
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail)
    return provider


@router.get("")
async def list_faults(_: AdminRole, services: ServicesDep) -> dict[str, Fault]:
    """Every fault in force, by provider."""
    return await services.faults.active()


@router.put("/{provider}")
async def set_fault(
    fault: Fault, _: AdminRole, services: ServicesDep, provider: str = PROVIDER
) -> Fault:
    """Make a provider go down, slow down or decline until cleared (or for `remaining` calls)."""
    await services.faults.set(_known(provider), fault)
    return fault


@router.delete("/{provider}", status_code=status.HTTP_204_NO_CONTENT)
async def clear_fault(_: AdminRole, services: ServicesDep, provider: str = PROVIDER) -> Response:
    """Let the provider behave again."""
    await services.faults.clear(_known(provider))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
