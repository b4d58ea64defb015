"""rules/notifications.yaml: who is told what, when, how often, and on which channels.

Checked like the other rule files (file:line:column, Chinese first, did-you-mean). A route
matches an alert by level, rule, item and department; its recipients are `concerned` (the
people the alert's rule names in `concerns:`, the default when a route has no `to:`), the
case's handler, the department head, the supervisors, named groups or users by id (`user:12`).
So a rule's `concerns:` answers who is told, unless a route names other people. Escalations name
working days after which an unacknowledged alert goes to more people; `repeat_working_days`
repeats an unresolved card. Quiet hours hold deliveries back (red cards excepted by default);
`working_hours_only` holds a route's messages to working hours on working days of the legal
calendar (a 调休 Saturday is a working day); `digest_only` routes tell only in the daily digest.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from approval_core.calendar import WorkCalendar
from approval_core.errors import ConfigError
from approval_core.timeutil import LEGAL_TZ, ensure_aware
from approval_core.yamlsource import Problem, RuleViolation, load_yaml, suggest, validate
from supervisor.notify.applicant_routes import ApplicantRoute, check_applicant_routes

FILE = "notifications.yaml"
log = logging.getLogger("sunlight.notify")
LevelName = Literal["warning", "yellow", "red", "anomaly"]
ChannelName = Literal["inbox", "email", "webhook", "wecom", "dingtalk", "alertmanager"]
CHANNEL_NAMES: tuple[ChannelName, ...] = get_args(ChannelName)
_TARGETS = ("concerned", "handler", "head", "supervisors")
CONCERNED = "concerned"
# What each `concerns:` entry of a rule means as a recipient of a route.
CONCERN_TARGETS = {"handler": "handler", "head": "head", "supervisor": "supervisors"}
_CLOCK = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


def _clock(value: str) -> str:
    if not _CLOCK.fullmatch(value):
        raise RuleViolation.one(
            (), '字段 {field} 须为加引号的 "HH:MM"', 'field {field} must be a quoted "HH:MM"'
        )
    return value


Clock = Annotated[str, AfterValidator(_clock)]


def _target(value: str) -> str:
    if value in _TARGETS or value.startswith("group:"):
        return value
    if value.startswith("user:") and value[5:].isdigit():
        return value
    close = suggest(value, _TARGETS)
    hint = f"（是否想写 {close}？）" if close else ""
    hint_en = f" (did you mean {close}?)" if close else ""
    raise RuleViolation.one(
        (),
        f"未知的接收人 {value}{hint}；可写 concerned、handler、head、supervisors、group:名称、"
        "user:编号",
        f"unknown recipient {value}{hint_en}; use concerned, handler, head, supervisors, "
        "group:NAME, user:ID",
    )


Target = Annotated[str, AfterValidator(_target)]


def expand_concerned(targets: Iterable[str], concerns: Iterable[str]) -> list[str]:
    """`targets` with `concerned` replaced by the recipients a rule's `concerns:` names
    (handler, head, supervisor -> handler, head, supervisors), each once, in order."""
    found: list[str] = []
    for target in targets:
        if target == CONCERNED:
            found += [CONCERN_TARGETS[c] for c in concerns if c in CONCERN_TARGETS]
        else:
            found.append(target)
    return list(dict.fromkeys(found))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Window(_Model):
    start: Clock
    end: Clock


class QuietHours(Window):
    except_levels: list[LevelName] = ["red"]


class Match(_Model):
    levels: list[LevelName] = []
    rules: list[str] = []
    items: list[str] = []
    departments: list[str] = []


class Escalation(_Model):
    after_working_days: Annotated[int, Field(ge=1)]
    to: Annotated[list[Target], Field(min_length=1)]


class Route(_Model):
    name: Annotated[str, Field(min_length=1)]
    when: Match = Match()
    # Without `to:` a route tells the people the alert's rule concerns.
    to: Annotated[list[Target], Field(min_length=1)] = [CONCERNED]
    channels: list[ChannelName] = list(CHANNEL_NAMES)
    escalate: list[Escalation] = []
    repeat_working_days: Annotated[int, Field(ge=1)] | None = None
    working_hours_only: bool = False
    digest_only: bool = False  # told only in the daily digest (no flood of single messages)


class Digest(_Model):
    at: Clock = "08:30"
    due_soon_days: Annotated[int, Field(ge=0)] = 3
    channels: list[ChannelName] = list(CHANNEL_NAMES)


class Group(_Model):
    users: list[int] = []
    roles: list[str] = []


class NotificationRules(_Model):
    working_hours: Window = Window(start="08:30", end="17:30")
    quiet_hours: QuietHours | None = None
    groups: dict[str, Group] = {}
    routes: list[Route] = []
    digest: Digest = Digest()
    # What the applicant is told when a document is issued (supervisor/notify/applicants.py).
    applicant_routes: list[ApplicantRoute] = []
    _memo: dict[tuple[Any, ...], list[Route]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _groups_known(self) -> NotificationRules:
        problems = []
        for r, route in enumerate(self.routes):
            named: list[tuple[tuple[Any, ...], str]] = [
                (("routes", r, "to", i), t) for i, t in enumerate(route.to)
            ] + [
                (("routes", r, "escalate", e, "to", i), t)
                for e, esc in enumerate(route.escalate)
                for i, t in enumerate(esc.to)
            ]
            for loc, target in named:
                group = target.removeprefix("group:")
                if target.startswith("group:") and group not in self.groups:
                    problems.append(_unknown_group(loc, group, suggest(group, self.groups)))
        problems += check_applicant_routes(self.applicant_routes)
        if problems:
            raise RuleViolation([p for v in problems for p in v.problems])
        return self

    def routes_for(self, alert: Any) -> list[Route]:
        """The routes matching an alert (an Alert or a row of its columns)."""
        key = (alert.level, alert.rule_id, alert.item_code, alert.department_code)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = [r for r in self.routes if _matches(r.when, alert)]
        return found

    def applicant_routes_for(self, document: str) -> list[ApplicantRoute]:
        return [r for r in self.applicant_routes if r.document == document]

    def route(self, name: str) -> Route | None:
        return next((r for r in self.routes if r.name == name), None)


def _unknown_group(loc: tuple[Any, ...], group: str, close: str | None) -> RuleViolation:
    hint, hint_en = (f"（是否想写 {close}？）", f" (did you mean {close}?)") if close else ("", "")
    return RuleViolation.one(
        loc, f"未定义的组 {group}{hint}", f"group {group} is not defined under groups{hint_en}"
    )


def _matches(when: Match, alert: Any) -> bool:
    pairs = (
        (when.levels, alert.level),
        (when.rules, alert.rule_id),
        (when.items, alert.item_code),
        (when.departments, alert.department_code),
    )
    return all(not wanted or value in wanted for wanted, value in pairs)


def load_routing(rules_dir: Path) -> NotificationRules | None:
    """The routing file of `rules_dir`, checked (ConfigError lists its problems); None when
    there is no file. For tools: the service routes with the policy in force
    (supervisor/policy/value.py), never with a file read on the side."""
    path = rules_dir / FILE
    if not path.exists():
        return None
    return validate(load_yaml(path), NotificationRules)


def check_routing(rules_dir: Path, known: Mapping[str, Iterable[str]] | None = None) -> list[str]:
    """The problems of the routing file, read afresh (for `sunlight notifications check` and
    `sunlight rules check`). `known` lists the rule ids, items and departments that
    `when:` may name ({"rules": ..., "items": ..., "departments": ...})."""
    path = rules_dir / FILE
    if not path.exists():
        return []
    try:
        doc = load_yaml(path)
        rules = validate(doc, NotificationRules)
    except ConfigError as exc:
        return list(exc.problems)
    problems = []
    for r, route in enumerate(rules.routes):
        for name, wanted in (
            ("rules", route.when.rules),
            ("items", route.when.items),
            ("departments", route.when.departments),
        ):
            choices = list((known or {}).get(name, ()))
            for i, value in enumerate(wanted):
                if choices and value not in choices:
                    problems.append(
                        doc.format(
                            _unknown(("routes", r, "when", name, i), value, suggest(value, choices))
                        )
                    )
    return problems


def _unknown(loc: tuple[Any, ...], value: str, close: str | None) -> Problem:
    hint, hint_en = (f"（是否想写 {close}？）", f" (did you mean {close}?)") if close else ("", "")
    return Problem(loc, f"未知的编码 {value}{hint}", f"unknown code {value}{hint_en}")


@dataclass(frozen=True)
class Hours:
    """When messages may go out: quiet hours, working hours on legal working days."""

    rules: NotificationRules
    calendar: WorkCalendar

    def send_at(self, now: datetime, level: str, working_only: bool) -> datetime:
        """The first moment at or after `now` at which a message of `level` may be sent."""
        moment = ensure_aware(now).astimezone(LEGAL_TZ)
        for _ in range(40):  # a long holiday is shorter than 40 steps
            later = self._hold(moment, level, working_only)
            if later is None:
                return moment
            moment = later
        return moment

    def _hold(self, moment: datetime, level: str, working_only: bool) -> datetime | None:
        quiet = self.rules.quiet_hours
        if quiet is not None and level not in quiet.except_levels:
            start, end = _t(quiet.start), _t(quiet.end)
            now_t = moment.timetz().replace(tzinfo=None)
            inside = start <= now_t or now_t < end if start > end else start <= now_t < end
            if inside:
                day = moment.date() + timedelta(days=1 if now_t >= end and start > end else 0)
                return datetime.combine(day, end, LEGAL_TZ)
        if working_only:
            start, end = _t(self.rules.working_hours.start), _t(self.rules.working_hours.end)
            now_t = moment.timetz().replace(tzinfo=None)
            if not self.calendar.is_workday(moment.date()) or now_t >= end:
                return datetime.combine(moment.date() + timedelta(days=1), start, LEGAL_TZ)
            if now_t < start:
                return datetime.combine(moment.date(), start, LEGAL_TZ)
        return None

    def after_working_days(self, start: datetime, days: int) -> datetime:
        """`days` working days after `start`, at the same time of day (legal calendar)."""
        local = ensure_aware(start).astimezone(LEGAL_TZ)
        day = self.calendar.add_workdays(local.date(), days)
        return datetime.combine(day, local.timetz().replace(tzinfo=None), LEGAL_TZ)


def _t(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def known_codes(rules_dir: Path) -> dict[str, list[str]]:
    """The rule ids, items and departments routes may name ({} when those files are faulty:
    their own check reports them)."""
    from approval_core.catalogue.service import load_catalogue
    from supervisor.rulebook import load_rulebook

    try:
        catalogue = load_catalogue(rules_dir)
        ruleset = load_rulebook(rules_dir, catalogue)
    except ConfigError:
        return {}
    return {
        "rules": [rule.id for rule in ruleset.rules],
        "items": list(catalogue.items),
        "departments": list(catalogue.departments),
    }
