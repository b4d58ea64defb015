"""Scores and grades (绩效评估): `GET /api/v1/evaluations`.

Who may: as for statistics, supervisors, policy staff and administrators (any department) and
heads (their own department only). The scoring: `supervisor/evaluation/scoring.py`; the
formats: `supervisor/evaluation/formats.py` (json by default; csv and a text table to download).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response

from api.deps import CurrentActor, Service, require_role, unit_of_work
from api.headers import content_security_policy
from approval_core.context import Actor
from approval_core.errors import Forbidden, InvalidInput
from approval_core.inputs import Day, Line, Moment
from approval_core.receipts.render import ReceiptFontMissing
from supervisor.evaluation.documents import DOCUMENTS, document
from supervisor.evaluation.formats import RENDERERS, Rendered, render
from supervisor.evaluation.render import style_hash
from supervisor.evaluation.scoring import evaluate
from supervisor.evaluation.statistics import Unit, period_bounds

router = APIRouter(prefix="/api/v1", tags=["evaluation"])

_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report: json (default), csv / table to download, or html / pdf "
        "(tables per unit, charts, every indicator explained).",
        "content": {
            "application/json": {},
            "text/csv": {},
            "text/plain": {},
            "text/html": {},
            "application/pdf": {},
        },
    }
}


@contextmanager
def _font_needed() -> Iterator[None]:
    """A PDF without the CJK font installed: 503 naming the package (as receipts do)."""
    try:
        yield
    except ReceiptFontMissing as exc:
        raise HTTPException(503, str(exc)) from exc


def _document_response(shown: Rendered, name: str) -> Response:
    """A page shown in the browser (its one style block allowed), or a PDF shown inline."""
    if shown.suffix == "html":
        policy = content_security_policy((style_hash(),))
        return Response(shown.body, media_type=shown.media_type,
                        headers={"Content-Security-Policy": policy})  # fmt: skip
    disposition = f'inline; filename="{name}.pdf"'
    return Response(shown.body, media_type=shown.media_type,
                    headers={"Content-Disposition": disposition})  # fmt: skip


def _department(actor: Actor, department: str | None) -> str | None:
    """A head sees their own department only; the other roles any (or all)."""
    if actor.role != "head":
        return department
    if department is not None and department != actor.department:
        raise Forbidden(
            "a head sees the evaluation of their own department only",
            detail_zh="负责人只能查看本部门的绩效评估",
            field="department",
        )
    return actor.department or "-"


def _period(period: str | None, start: date | None, end: date | None) -> tuple[date, date]:
    if period is not None:
        if start is not None or end is not None:
            raise InvalidInput(
                "give period, or from and to, not both",
                detail_zh="period 与 from/to 只能选一",
                field="period",
            )
        return period_bounds(period)
    if start is None or end is None:
        raise InvalidInput(
            "give period (2026-Q3), or from and to",
            detail_zh="须给出 period（如 2026-Q3）或 from 与 to",
            field="period" if start is None and end is None else ("to" if end is None else "from"),
        )
    return start, end


@router.get("/evaluations", response_model=None, responses=_RESPONSES)
def get_evaluations(
    actor: CurrentActor,
    service: Service,
    period: Annotated[
        Line | None,
        Query(
            pattern=r"^\d{4}(-(Q[1-4]|(0[1-9]|1[0-2])))?$",
            description='A year, quarter or month: "2026", "2026-Q3", "2026-07" (or from / to)',
        ),
    ] = None,
    period_from: Annotated[Day | None, Query(alias="from")] = None,
    period_to: Annotated[Day | None, Query(alias="to")] = None,
    by: Unit = "department",
    as_of: Moment | None = None,
    department: Line | None = None,
    format: Annotated[
        Line,
        Query(
            pattern=f"^({'|'.join((*RENDERERS, *DOCUMENTS))})$",
            description=f"{', '.join((*RENDERERS, *DOCUMENTS))} (json by default)",
        ),
    ] = "json",
) -> dict[str, Any] | Response:
    """Every unit (department or handler, as rules/evaluation.yaml scores) with its score,
    grade, rank and how each indicator contributed (measure, value, points, weight,
    contribution, explanation), for a period ("2026-Q3", or from / to as legal dates), from the
    records as of `as_of` (default now), by the policy in force."""
    require_role(actor, "supervisor", "head", "policy", "admin")
    formats = (*RENDERERS, *DOCUMENTS)
    if format not in formats:
        raise InvalidInput(
            f"format must be one of {', '.join(formats)}",
            detail_zh=f"format 须为 {'、'.join(formats)} 之一",
            field="format",
        )
    first, last = _period(period, period_from, period_to)
    scope = _department(actor, department)
    moment = as_of if as_of is not None else service.core.now()
    if format in DOCUMENTS:  # the report with its charts (supervisor/evaluation/documents.py)
        with unit_of_work(service) as session, _font_needed():
            shown = document(session, service.core, (first, last), by, moment, scope, format,
                             period)  # fmt: skip
        return _document_response(shown, f"evaluation-{first}-{last}-{by}")
    with unit_of_work(service) as session:
        report = evaluate(session, service.core, first, last, by, moment, scope)
    if format == "json":
        return report.as_dict()
    rendered = render(report, format)
    name = f"evaluation-{first}-{last}-{by}.{rendered.suffix}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(rendered.body, media_type=rendered.media_type, headers=headers)
