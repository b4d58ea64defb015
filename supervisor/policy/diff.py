"""What changed between two policies, in the terms policy staff use: files, items (limits,
windows, extensions, fees), clock settings, supervision rules, notification routes and calendar
entries, evaluation indicators and settings; and the line-by-line difference of their files."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from supervisor.policy.value import Policy


def _keyed(
    old: Mapping[str, Any], new: Mapping[str, Any], describe: Callable[[Any, Any], Any]
) -> dict[str, Any]:
    """added / removed / changed keys of two mappings; `describe` says how a key changed."""
    changed = {}
    for key in sorted(set(old) & set(new)):
        if old[key] != new[key]:
            changed[key] = describe(old[key], new[key])
    return {
        "added": sorted(set(new) - set(old)),
        "removed": sorted(set(old) - set(new)),
        "changed": changed,
    }


def _fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """Field by field: {"field": {"from": old, "to": new}} for each field that differs."""
    return {
        name: {"from": old.get(name), "to": new.get(name)}
        for name in sorted(set(old) | set(new))
        if old.get(name) != new.get(name)
    }


def _item_view(policy: Policy, code: str) -> dict[str, Any]:
    view = policy.catalogue.public_view(code)
    flat = {k: v for k, v in view.items() if k not in ("time_limits", "catalogue_version")}
    flat.update({f"time_limits.{k}": v for k, v in view.get("time_limits", {}).items()})
    return flat


def _rule_view(rule: Any) -> dict[str, Any]:
    return {
        "level": rule.level,
        "condition": repr(rule.condition),
        "concerns": list(rule.concerns),
        "message_zh": rule.message_zh,
        "message_en": rule.message_en,
        "legal_basis": rule.legal_basis,
        "response_days": rule.response_days,
        "auto_resolve": rule.auto_resolve,
        "cause_field": rule.cause_field,
        **{f"params.{k}": v for k, v in rule.params.items()},  # e.g. the ladder's warning_days
    }


def _calendar_days(policy: Policy) -> dict[str, str]:
    config = policy.calendar.config
    days: dict[date, str] = dict(config.entered_days())
    days.update({day: entry.kind for day, entry in config.overrides.items()})
    return {day.isoformat(): kind for day, kind in sorted(days.items())}


def diff_policies(old: Policy, new: Policy) -> dict[str, Any]:
    """The difference between `old` and `new`, as data (JSON-ready)."""
    items = _keyed(
        {c: _item_view(old, c) for c in old.catalogue.items},
        {c: _item_view(new, c) for c in new.catalogue.items},
        _fields,
    )
    rules = _keyed(
        {r.id: _rule_view(r) for r in old.ruleset.rules},
        {r.id: _rule_view(r) for r in new.ruleset.rules},
        _fields,
    )
    routes = _keyed(
        {r.name: r.model_dump(mode="json") for r in (old.routing.routes if old.routing else [])},
        {r.name: r.model_dump(mode="json") for r in (new.routing.routes if new.routing else [])},
        _fields,
    )
    routing = _fields(_routing_settings(old), _routing_settings(new))
    clock = _fields(
        old.catalogue.clock.model_dump(mode="json", exclude={"clock_stops"}),
        new.catalogue.clock.model_dump(mode="json", exclude={"clock_stops"}),
    )
    stops = _keyed(
        {s.code: s.model_dump(mode="json") for s in old.catalogue.stop_types.values()},
        {s.code: s.model_dump(mode="json") for s in new.catalogue.stop_types.values()},
        _fields,
    )
    calendar = _keyed(_calendar_days(old), _calendar_days(new), lambda a, b: {"from": a, "to": b})
    indicators = _keyed(_indicators(old), _indicators(new), _fields)
    evaluation = _fields(_evaluation_settings(old), _evaluation_settings(new))
    files = _keyed(dict(old.files), dict(new.files), lambda _a, _b: "changed")
    return {
        "from": old.version,
        "to": new.version,
        "files": {**files, "changed": sorted(files["changed"])},
        "items": items,
        "clock": clock,
        "clock_stops": stops,
        "rules": rules,
        "routes": routes,
        "routing": routing,
        "calendar": calendar,
        "indicators": indicators,
        "evaluation": evaluation,
    }


def _indicators(policy: Policy) -> dict[str, Any]:
    rules = policy.evaluation
    return {i.code: i.model_dump(mode="json") for i in (rules.indicators if rules else [])}


def _evaluation_settings(policy: Policy) -> dict[str, Any]:
    """Grades and who is scored (evaluation.yaml without its indicators), flattened."""
    if policy.evaluation is None:
        return {}
    data = policy.evaluation.model_dump(mode="json", by_alias=True, exclude={"indicators"})
    return {f"{part}.{key}": value for part, found in data.items() for key, value in found.items()}


def _routing_settings(policy: Policy) -> dict[str, Any]:
    """Everything of notifications.yaml but its routes (groups, digest, quiet/working hours)."""
    if policy.routing is None:
        return {}
    settings: dict[str, Any] = policy.routing.model_dump(mode="json", exclude={"routes"})
    return settings


def text_diff(
    old: Mapping[str, bytes], new: Mapping[str, bytes], old_name: str, new_name: str
) -> str:
    """A unified diff of every file that differs (text files; others are named only)."""
    out: list[str] = []
    for path in sorted(set(old) | set(new)):
        a, b = old.get(path), new.get(path)
        if a == b:
            continue
        try:
            a_lines = (a or b"").decode("utf-8").splitlines(keepends=True)
            b_lines = (b or b"").decode("utf-8").splitlines(keepends=True)
        except UnicodeDecodeError:
            out.append(f"Binary file {path} differs\n")
            continue
        out += difflib.unified_diff(
            a_lines,
            b_lines,
            f"{old_name}/{path}" if a is not None else "/dev/null",
            f"{new_name}/{path}" if b is not None else "/dev/null",
        )
        if out and not out[-1].endswith("\n"):
            out.append("\n")
    return "".join(out)


def summary_lines(diff: Mapping[str, Any]) -> list[str]:
    """The difference in a few lines of Chinese / English, for the reload answer and the CLI."""
    lines = []
    names = {
        "files": ("文件", "files"),
        "items": ("事项", "items"),
        "clock_stops": ("计时中止类型", "clock stop types"),
        "rules": ("监察规则", "rules"),
        "routes": ("通知路由", "routes"),
        "calendar": ("日历条目", "calendar entries"),
        "indicators": ("评估指标", "evaluation indicators"),
    }
    for key, (zh, en) in names.items():
        part = diff.get(key)
        if part is None:  # a difference stored before this part was compared
            continue
        counts = (len(part["added"]), len(part["removed"]), len(part["changed"]))
        if any(counts):
            changed = ", ".join(sorted(part["changed"]))[:200]
            lines.append(
                f"{zh}：新增 {counts[0]}，删除 {counts[1]}，修改 {counts[2]}"
                f" / {en}: {counts[0]} added, {counts[1]} removed, {counts[2]} changed"
                + (f" ({changed})" if changed else "")
            )
    if diff["clock"]:
        lines.append(f"计时设置 / clock settings: {', '.join(diff['clock'])}")
    if diff.get("routing"):
        lines.append(f"通知设置 / notification settings: {', '.join(diff['routing'])}")
    if diff.get("evaluation"):
        lines.append(f"评估设置 / evaluation settings: {', '.join(diff['evaluation'])}")
    return lines or ["无变化 / no change"]
