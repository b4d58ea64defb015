"""The policy in force and its history: reload (all or nothing), versions, their files and
the difference between two versions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CurrentActor, Service, require_role, unit_of_work
from approval_core.errors import NotFound
from approval_core.inputs import Line, Text
from supervisor.policy.diff import diff_policies, summary_lines, text_diff
from supervisor.policy.reload import reload_policy
from supervisor.policy.versions import files_of, history, in_force_version, load_version

router = APIRouter(prefix="/api/v1/policy", tags=["policy"])
READERS = ("admin", "policy", "supervisor")


class ReloadBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    force_reason: Text | None = Field(
        default=None,
        min_length=2,
        max_length=1000,
        description="Put the policy in force although its rule tests fail; the reason is kept.",
    )


def reload_as(actor: Any, service: Any, body: ReloadBody) -> dict[str, Any]:
    require_role(actor, "admin", "policy")
    report = reload_policy(
        service.sessions,
        service.supervisor,
        service.settings.secret_key,
        service.now(),
        by=f"{actor.name} (user {actor.user_id}, {actor.role})",
        force_reason=body.force_reason,
    )
    return report.as_dict()


@router.post("/reload")
def reload(actor: CurrentActor, service: Service, body: ReloadBody | None = None) -> dict[str, Any]:
    """Read every file of rules/, check, test, store and put it in force, all or nothing.
    A refused policy changes nothing; the answer lists every problem."""
    return reload_as(actor, service, body or ReloadBody())


@router.get("")
def in_force(actor: CurrentActor, service: Service) -> dict[str, Any]:
    """The policy this process judges with, and how the last reload went."""
    require_role(actor, *READERS)
    sup = service.supervisor
    policy, status = sup.policy, sup.status
    with unit_of_work(service) as session:
        stored = in_force_version(session)
    return {
        "version": policy.version,
        "database_in_force": stored,
        "files": sorted(policy.files),
        "calendar_version": policy.calendar.version,
        "rules": len(policy.ruleset.rules),
        "items": len(policy.catalogue.items),
        "last_reload_ok": status.ok,
        "last_reload_at": status.at.isoformat() if status.at else None,
        "last_problems": list(status.problems),
    }


@router.get("/versions")
def versions(
    actor: CurrentActor, service: Service, limit: int = Query(100, ge=1, le=1000)
) -> list[dict[str, Any]]:
    """Every time a version was put in force, newest first: who, when, why, what changed."""
    require_role(actor, *READERS)
    with unit_of_work(service) as session:
        return history(session, limit)


@router.get("/versions/{version}/files/{path:path}")
def version_file(actor: CurrentActor, service: Service, version: str, path: str) -> Response:
    """One file of a stored version, byte for byte."""
    require_role(actor, *READERS)
    with unit_of_work(service) as session:
        files = files_of(session, version)
    if path not in files:
        raise NotFound(
            f"no file {path} in version {version}", detail_zh=f"版本 {version} 中没有文件 {path}"
        )
    media = (
        "text/yaml; charset=utf-8"
        if path.endswith((".yaml", ".yml"))
        else "application/octet-stream"
    )
    return Response(files[path], media_type=media)


@router.get("/diff", response_model=None)
def diff(
    actor: CurrentActor,
    service: Service,
    from_version: str = Query(alias="from"),
    to_version: str | None = Query(default=None, alias="to"),
    format: str = Query("json", pattern="^(json|text)$"),
) -> dict[str, Any] | PlainTextResponse:
    """The difference between two stored versions (`to` defaults to the one in force): items,
    limits, rules, routes, calendar entries (json), or a unified diff of the files (text)."""
    require_role(actor, *READERS)
    target = to_version or service.supervisor.policy.version
    with unit_of_work(service) as session:
        if format == "text":
            old, new = files_of(session, from_version), files_of(session, target)
            return PlainTextResponse(text_diff(old, new, from_version, target))
        # only the values are compared: no engine registration needed
        left = load_version(session, from_version, "python")
        right = load_version(session, target, "python")
    changes = diff_policies(left, right)
    return {**changes, "summary": summary_lines(changes)}


_ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"


class BacktestBody(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    rules_files: dict[Line, Text] | None = Field(
        default=None,
        max_length=500,
        description="The proposed policy, every file of it (relative path -> text, as under "
        "rules/); omitted: the files of the server's rules folder as they are now. The blank "
        "forms (forms/, binary) not sent are taken from the rules folder.",
    )
    start: Line | None = Field(
        default=None,
        alias="from",
        pattern=_ISO_DATE,
        json_schema_extra={"format": "date"},
        description="Cases received from this legal (Beijing) date, included; default all.",
    )
    end: Line | None = Field(
        default=None,
        alias="to",
        pattern=_ISO_DATE,
        json_schema_extra={"format": "date"},
        description="Cases received up to this date, included; replay stops at its end "
        "(default: now).",
    )


@router.post("/backtest")
def backtest(
    actor: CurrentActor, service: Service, body: BacktestBody | None = None
) -> dict[str, Any]:
    """What if: replay the recorded cases received in the period through the proposed policy
    and through the one in force (the database's, or the rules folder's when none is stored),
    and report the alerts that would appear or vanish, by rule, level, department and item,
    with example tracking numbers. Read-only: nothing is written (`read_only` is true). Large
    histories are replayed by SUNLIGHT_SWEEP_WORKERS processes."""
    from supervisor.policy import backtest as what_if  # (only this endpoint needs it)

    require_role(actor, *READERS)
    body = body or BacktestBody()
    start, end = what_if.parse_period(body.start, body.end)
    proposed = what_if.proposed_policy(body.rules_files, service.settings.rules_dir)
    with what_if.read_only_session(service.sessions) as session:
        current = what_if.policy_in_force(session, service.settings.rules_dir)
        now, workers = service.now(), service.settings.sweep_workers
        report = what_if.backtest(session, current, proposed, now, start, end, workers)
    return report.as_dict()
