"""Who is told about each rule: the routes of rules/notifications.yaml matching it, resolved
against its `concerns:`, and the rules that would reach nobody (for `sunlight rules check`).

Pure: it reads the compiled rules and the routing it is given, no files and no database. A
route matches a rule when its `levels` and `rules` admit it; `items` and `departments` limit
when it does (shown beside the route), so a rule reached only through such routes is told to
nobody in the other cases, and that is a warning too.
"""

from __future__ import annotations

from dataclasses import dataclass

from supervisor.notify.messages import LEVEL_ZH
from supervisor.notify.routing import (
    CHANNEL_NAMES,
    NotificationRules,
    Route,
    expand_concerned,
)
from supervisor.rulebook.compiled import CompiledRule, RuleSet

KIND_ZH = {"handler": "承办人", "head": "负责人", "supervisors": "监察室"}
KIND_EN = {"handler": "handler", "head": "head", "supervisors": "supervision office"}
CHANNEL_ZH = {
    "inbox": "站内信",
    "email": "邮件",
    "webhook": "Webhook",
    "wecom": "企业微信",
    "dingtalk": "钉钉",
    "alertmanager": "Alertmanager",
}


@dataclass(frozen=True)
class Reach:
    """What one matching route does for a rule: recipients as kinds (handler, head,
    supervisors, group:NAME, user:ID), channels (the inbox always), and the route's options."""

    route: str
    recipients: tuple[str, ...]
    channels: tuple[str, ...]
    digest_only: bool = False
    escalations: tuple[tuple[int, tuple[str, ...]], ...] = ()
    repeat_working_days: int | None = None
    working_hours_only: bool = False
    items: tuple[str, ...] = ()  # the route applies only to these items (none: all)
    departments: tuple[str, ...] = ()

    @property
    def limited(self) -> bool:
        return bool(self.items or self.departments)


@dataclass(frozen=True)
class Audience:
    """Who is told about one rule, and why that may be nobody."""

    rule_id: str
    level: str
    source: str  # file:line of the rule
    reaches: tuple[Reach, ...]
    warnings: tuple[str, ...]

    @property
    def recipients(self) -> tuple[str, ...]:
        """Everyone a matching route tells directly (not by escalation), each once."""
        return tuple(dict.fromkeys(k for r in self.reaches for k in r.recipients))


def audience(ruleset: RuleSet, routing: NotificationRules) -> list[Audience]:
    """For every rule, in the order of the rule files: the routes that match it, resolved."""
    found = []
    for rule in ruleset.rules:
        reaches = tuple(
            _reach(route, rule, routing) for route in routing.routes if _admits(route, rule)
        )
        found.append(Audience(rule.id, rule.level, rule.source, reaches, _warnings(rule, reaches)))
    return found


def _admits(route: Route, rule: CompiledRule) -> bool:
    when = route.when
    return (not when.levels or rule.level in when.levels) and (
        not when.rules or rule.id in when.rules
    )


def _kinds(targets: list[str], rule: CompiledRule, routing: NotificationRules) -> tuple[str, ...]:
    """`targets` as recipient kinds for this rule; a group with no members names nobody."""
    kinds = expand_concerned(targets, rule.concerns)
    return tuple(k for k in kinds if not _empty_group(k, routing))


def _empty_group(kind: str, routing: NotificationRules) -> bool:
    group = routing.groups.get(kind.removeprefix("group:"))
    return kind.startswith("group:") and group is not None and not (group.users or group.roles)


def _reach(route: Route, rule: CompiledRule, routing: NotificationRules) -> Reach:
    channels = routing.digest.channels if route.digest_only else route.channels
    return Reach(
        route=route.name,
        recipients=_kinds(route.to, rule, routing),
        channels=("inbox", *(c for c in channels if c != "inbox")),
        digest_only=route.digest_only,
        escalations=tuple(
            (e.after_working_days, _kinds(e.to, rule, routing)) for e in route.escalate
        ),
        repeat_working_days=route.repeat_working_days,
        working_hours_only=route.working_hours_only,
        items=tuple(route.when.items),
        departments=tuple(route.when.departments),
    )


def _warnings(rule: CompiledRule, reaches: tuple[Reach, ...]) -> tuple[str, ...]:
    head = f"{rule.source}: {rule.id}（{LEVEL_ZH.get(rule.level, rule.level)}）"
    head_en = f"{rule.id} ({rule.level})"
    if not reaches:
        return (
            f"{head}没有匹配的通知路由，不会告知任何人 / "
            f"{head_en}: no notification route matches it, nobody is told",
        )
    told = [r for r in reaches if r.recipients]
    if not told:
        names = "、".join(r.route for r in reaches)
        return (
            f"{head}匹配的路由（{names}）没有接收人，不会告知任何人 / "
            f"{head_en}: the routes matching it ({', '.join(r.route for r in reaches)}) "
            "name no recipient, nobody is told",
        )
    if all(r.limited for r in told):
        return (
            f"{head}只在路由限定的事项或部门中告知，其余情况不会告知任何人 / "
            f"{head_en}: told only for the items or departments its routes name, "
            "otherwise nobody is told",
        )
    return ()


def audience_lines(entries: list[Audience]) -> list[str]:
    """The who-is-told table: one line per rule, Chinese then English."""
    lines = ["谁会收到通知 / Who is told:"]
    for entry in entries:
        level = LEVEL_ZH.get(entry.level, entry.level)
        told = [r for r in entry.reaches if r.recipients]
        zh = "；".join(_reach_zh(r) for r in told) or "无人"
        en = "; ".join(_reach_en(r) for r in told) or "nobody"
        lines.append(f"  {entry.rule_id} {level}：{zh} / {entry.level}: {en}")
    return lines


def audience_warnings(entries: list[Audience]) -> list[str]:
    return [warning for entry in entries for warning in entry.warnings]


def _who_zh(kinds: tuple[str, ...]) -> str:
    return "、".join(_kind_zh(k) for k in kinds) or "无人"


def _who_en(kinds: tuple[str, ...]) -> str:
    return ", ".join(_kind_en(k) for k in kinds) or "nobody"


def _kind_zh(kind: str) -> str:
    if kind.startswith("group:"):
        return f"组 {kind[6:]}"
    if kind.startswith("user:"):
        return f"用户 {kind[5:]}"
    return KIND_ZH.get(kind, kind)


def _kind_en(kind: str) -> str:
    if kind.startswith("group:"):
        return f"group {kind[6:]}"
    if kind.startswith("user:"):
        return f"user {kind[5:]}"
    return KIND_EN.get(kind, kind)


def _channels_zh(reach: Reach) -> str:
    if set(reach.channels) == set(CHANNEL_NAMES):
        return "站内信及登记的全部渠道"
    return "、".join(CHANNEL_ZH.get(c, c) for c in reach.channels)


def _channels_en(reach: Reach) -> str:
    if set(reach.channels) == set(CHANNEL_NAMES):
        return "inbox and every registered channel"
    return ", ".join(reach.channels)


def _reach_zh(reach: Reach) -> str:
    how = f"每日汇总：{_channels_zh(reach)}" if reach.digest_only else _channels_zh(reach)
    parts = [f"{_who_zh(reach.recipients)}（{how}）"]
    parts += [f"{days} 个工作日无人确认升级给{_who_zh(to)}" for days, to in reach.escalations]
    if reach.repeat_working_days:
        days = reach.repeat_working_days
        parts.append("每个工作日重复提醒" if days == 1 else f"每 {days} 个工作日重复提醒")
    if reach.working_hours_only:
        parts.append("仅在工作时间发送")
    if reach.items:
        parts.append(f"仅限事项 {'、'.join(reach.items)}")
    if reach.departments:
        parts.append(f"仅限部门 {'、'.join(reach.departments)}")
    return "，".join(parts)


def _reach_en(reach: Reach) -> str:
    how = f"daily digest: {_channels_en(reach)}" if reach.digest_only else _channels_en(reach)
    parts = [f"{_who_en(reach.recipients)} ({how})"]
    parts += [
        f"escalated to {_who_en(to)} after {days} working day(s) unacknowledged"
        for days, to in reach.escalations
    ]
    if reach.repeat_working_days:
        days = reach.repeat_working_days
        parts.append(
            "repeated every working day" if days == 1 else f"repeated every {days} working days"
        )
    if reach.working_hours_only:
        parts.append("sent in working hours only")
    if reach.items:
        parts.append(f"items {', '.join(reach.items)} only")
    if reach.departments:
        parts.append(f"departments {', '.join(reach.departments)} only")
    return ", ".join(parts)
