"""Statistics of the recorded history (统计分析): `GET /api/v1/statistics`.

For supervisors, policy staff and administrators (any department), and heads (their own
department only). The figures and their meaning: `supervisor/evaluation/statistics.py`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import CurrentActor, Service, require_role, unit_of_work
from approval_core.context import Actor
from approval_core.errors import Forbidden
from approval_core.inputs import Day, Line, Moment
from supervisor.evaluation.statistics import Unit, statistics

router = APIRouter(prefix="/api/v1", tags=["evaluation"])


def _department(actor: Actor, department: str | None) -> str | None:
    """A head sees their own department only; the other roles any (or all)."""
    if actor.role != "head":
        return department
    if department is not None and department != actor.department:
        raise Forbidden(
            "a head sees the statistics of their own department only",
            detail_zh="负责人只能查看本部门的统计",
            field="department",
        )
    return actor.department or "-"


@router.get("/statistics")
def get_statistics(
    actor: CurrentActor,
    service: Service,
    period_from: Annotated[Day, Query(alias="from")],
    period_to: Annotated[Day, Query(alias="to")],
    by: Unit = "department",
    as_of: Moment | None = None,
    department: Line | None = None,
) -> dict[str, Any]:
    """Received, accepted, rejected, withdrawn, concluded (approved / denied; early, on time,
    late), working days used (average, p90), stops, extensions and supplements; alerts by
    level, anomalies by rule, removed cards and their response hours, complaints (accepted in
    time or late), reconsideration / litigation outcomes, ratings and the satisfaction rate,
    in the period [from, to]
    (legal dates), by department, handler or item, from the records as of `as_of` (default
    now): a report as of a past moment is reproduced exactly."""
    require_role(actor, "supervisor", "head", "policy", "admin")
    scope = _department(actor, department)
    moment = as_of if as_of is not None else service.core.now()
    with unit_of_work(service) as session:
        rows = statistics(session, service.core, period_from, period_to, by, moment, scope)
    return {
        "from": period_from.isoformat(),
        "to": period_to.isoformat(),
        "by": by,
        "as_of": moment.isoformat(),
        "department": scope,
        "rows": [row.as_dict() for row in rows],
    }
