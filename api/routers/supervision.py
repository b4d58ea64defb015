"""Supervision controls: a sweep as of a moment, rule reloads and the rules in force."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import CurrentActor, Service, require_role
from api.routers.policy import ReloadBody, reload_as
from approval_core.inputs import Moment
from supervisor.sweep import refuse_future, sweep

router = APIRouter(prefix="/api/v1/supervision", tags=["supervision"])


@router.post("/sweep")
def run_sweep(actor: CurrentActor, service: Service, as_of: Moment | None = None) -> dict[str, Any]:
    """Judge every case whose next look has come by `as_of` (default now; a moment in the
    future is refused: the alerts written would be dated ahead of time)."""
    require_role(actor, "admin")
    now = service.core.now()
    moment = as_of or now
    refuse_future(moment, now)
    service.judge.settle()  # the sweep sees every action committed before it
    result = sweep(
        service.sessions, service.core, service.supervisor, moment, pool=service.sweep_pool
    )
    return {
        "as_of": moment.isoformat(),
        "judged": result.judged,
        "matched": result.alerts_matched,
        "seconds": round(result.seconds, 4),
        "workers": result.workers,
        "redone": result.redone,
    }


@router.post("/rules/reload")
def reload_rules(
    actor: CurrentActor, service: Service, body: ReloadBody | None = None
) -> dict[str, Any]:
    """Reload every rule file as one policy (the same as POST /api/v1/policy/reload)."""
    report = reload_as(actor, service, body or ReloadBody())
    return {**rules_status_view(service), **report}


@router.get("/rules")
def rules_status(actor: CurrentActor, service: Service) -> dict[str, Any]:
    require_role(actor, "admin", "policy", "supervisor")
    return rules_status_view(service)


def rules_status_view(service: Any) -> dict[str, Any]:
    sup = service.supervisor
    status = sup.status
    return {
        "version": sup.ruleset.version,
        "rules": [
            {
                "id": r.id,
                "level": r.level,
                "title_zh": r.title_zh,
                "title_en": r.title_en,
                "source": r.source,
            }
            for r in sup.ruleset.rules
        ],
        "last_reload_ok": status.ok,
        "last_reload_at": status.at.isoformat() if status.at else None,
        "last_problems": list(status.problems),
        "reloads": status.reloads,
        "reload_failures": status.failures,
        "engine_errors": sup.engine_errors,
    }
