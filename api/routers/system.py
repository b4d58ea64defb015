"""Administration: calendar coverage, clock recomputation, system alerts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import CurrentActor, Service, require_role, unit_of_work
from approval_core.system import service as system

router = APIRouter(prefix="/api/v1/system", tags=["system"])


@router.get("/calendar")
def calendar_status(actor: CurrentActor, service: Service) -> dict[str, Any]:
    """Which years the calendar covers, which are provisional, and the cases that depend on them."""
    require_role(actor, "admin", "supervisor", "policy")
    with unit_of_work(service) as session:
        return system.calendar_status(session, service.core)


@router.post("/calendar/recompute")
def recompute(actor: CurrentActor, service: Service) -> dict[str, Any]:
    """Recompute every open case's clock on the calendar in force (after calendar.yaml changed)."""
    require_role(actor, "admin")
    with unit_of_work(service) as session:
        return system.recompute_clocks(session, service.core)


@router.get("/alerts")
def system_alerts(actor: CurrentActor, service: Service) -> list[dict[str, Any]]:
    require_role(actor, "admin", "supervisor", "policy")
    with unit_of_work(service) as session:
        return system.list_alerts(session)
