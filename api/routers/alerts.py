"""Alerts: list and filter, read with history, acknowledge, respond (回告), remove (摘牌).

Every change may carry `If-Match: <version>`; a change that loses to another is a 409 problem
with the alert's current state (`current`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from api.deps import CurrentActor, ExpectedVersion, Service, unit_of_work
from approval_core.context import Actor
from approval_core.inputs import Id, Moment, Text
from supervisor.alerts import service as alerts
from supervisor.alerts.models import Alert, AlertEvent

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"])


def alert_view(alert: Alert) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": alert.id,
        "cause": alert.cause,
        "subject": alert.subject,
        "rule_id": alert.rule_id,
        "ruleset_version": alert.ruleset_version,
        "level": alert.level,
        "status": alert.status,
        "case_id": alert.case_id,
        "item": alert.item_code,
        "department": alert.department_code,
        "responsible_user_id": alert.responsible_user_id,
        "concerns": alert.concerns,
        "legal_basis": alert.legal_basis,
        "title_zh": alert.title_zh,
        "title_en": alert.title_en,
        "message_zh": alert.message_zh,
        "message_en": alert.message_en,
        "response_days": alert.response_days,
        "opened_at": iso(alert.opened_at),
        "acknowledged_at": iso(alert.acknowledged_at),
        "acknowledged_by": alert.acknowledged_by,
        "responded_at": iso(alert.responded_at),
        "responded_by": alert.responded_by,
        "response": alert.response,
        "removed_at": iso(alert.removed_at),
        "removed_by": alert.removed_by,
        "removal_reason": alert.removal_reason,
        "resolved_at": iso(alert.resolved_at),
        "version": alert.version,
    }


def _scope(actor: Actor, department: str | None) -> str | None:
    """Department staff see their own department's alerts only."""
    if actor.role in ("admin", "supervisor", "policy"):
        return department
    return actor.department or "-"


@router.get("")
def list_alerts(
    actor: CurrentActor,
    service: Service,
    case_id: str | None = None,
    level: str | None = None,
    status: str | None = None,
    department: str | None = None,
    item: str | None = None,
    since: Moment | None = None,
    until: Moment | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    stmt = select(Alert).order_by(Alert.opened_at.desc(), Alert.id.desc()).limit(limit)
    filters = {
        Alert.case_id: case_id,
        Alert.level: level,
        Alert.status: status,
        Alert.department_code: _scope(actor, department),
        Alert.item_code: item,
    }
    for column, value in filters.items():
        if value is not None:
            stmt = stmt.where(column == value)
    if since is not None:
        stmt = stmt.where(Alert.opened_at >= since)
    if until is not None:
        stmt = stmt.where(Alert.opened_at < until)
    with unit_of_work(service) as session:
        return [alert_view(a) for a in session.scalars(stmt)]


@router.get("/{alert_id}")
def get_alert(alert_id: Id, actor: CurrentActor, service: Service) -> dict[str, Any]:
    with unit_of_work(service) as session:
        alert = alerts.scoped_alert(session, actor, alert_id)
        history = session.scalars(
            select(AlertEvent).where(AlertEvent.alert_id == alert.id).order_by(AlertEvent.id)
        )
        return {
            **alert_view(alert),
            "fact": alert.fact,
            "history": [
                {
                    "action": e.action,
                    "from": e.from_status,
                    "to": e.to_status,
                    "actor_id": e.actor_id,
                    "actor": e.actor_name,
                    "at": e.at.isoformat(),
                    "note": e.note,
                    "fact_id": e.fact_id,
                    "ruleset_version": e.ruleset_version,
                }
                for e in history
            ],
        }


class Respond(BaseModel):
    model_config = ConfigDict(extra="forbid")
    response: Text = Field(min_length=1, max_length=4000)


class Remove(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text = Field(min_length=1, max_length=4000)


@router.post("/{alert_id}/ack")
def acknowledge(
    alert_id: Id, actor: CurrentActor, service: Service, expected: ExpectedVersion
) -> dict[str, Any]:
    with unit_of_work(service) as session:
        alert = alerts.acknowledge(session, actor, alert_id, service.core.now(), expected)
        return alert_view(alert)


@router.post("/{alert_id}/respond")
def respond(
    alert_id: Id, body: Respond, actor: CurrentActor, service: Service, expected: ExpectedVersion
) -> dict[str, Any]:
    with unit_of_work(service) as session:
        now = service.core.now()
        return alert_view(alerts.respond(session, actor, alert_id, body.response, now, expected))


@router.post("/{alert_id}/remove")
def remove(
    alert_id: Id, body: Remove, actor: CurrentActor, service: Service, expected: ExpectedVersion
) -> dict[str, Any]:
    with unit_of_work(service) as session:
        now = service.core.now()
        return alert_view(alerts.remove(session, actor, alert_id, body.reason, now, expected))
