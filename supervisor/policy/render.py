"""Text for people from the policy tools' data: Chinese first, English after, one line each.

The command line prints these lines; an API serving the same data as JSON needs none of this.
"""

from __future__ import annotations

from typing import Any

from supervisor.policy.clockdays import ClockDay, trimmed
from supervisor.policy.explain import CaseExplanation, CompareTrace, RuleExplanation, Trace
from supervisor.policy.history import shown
from supervisor.policy.ruletests import RuleTestReport

OK, NO = "✓", "✗"
_OPS = {
    "eq": "=",
    "ne": "≠",
    "lt": "<",
    "lte": "<=",
    "gt": ">",
    "gte": ">=",
    "in": "in",
    "not_in": "not in",
    "contains": "contains",
}
_WEEKDAYS = ("一 Mon", "二 Tue", "三 Wed", "四 Thu", "五 Fri", "六 Sat", "日 Sun")
_KINDS = {
    "workday": "工作日 / workday",
    "weekend": "周末 / weekend",
    "holiday": "节假日 / holiday",
    "makeup": "调休上班 / make-up workday",
}
_STATUSES = {
    "before": "未起算 / clock not started",
    "start": "起算日，不计 / start day, not counted",
    "counted": "计入 / counted",
    "stopped": "中止，不计 / excluded by a stop",
    "not_working": "非工作日，不计 / not a working day",
    "projected": "预计计入 / projected",
    "after_end": "已结束，不计 / after the end",
}
_MARKS = {
    "received": "收件 / received",
    "acceptance_due": "受理期限届满 / acceptance window ends",
    "started": "起算 / clock starts",
    "stop": "中止开始 / a stop begins",
    "resumed": "恢复计时 / the clock resumes",
    "due": "到期日 / due date",
    "ended": "结束 / ended",
    "as_of": "查看时刻 / as of",
}


def value_text(value: Any) -> str:
    if value is None:
        return "缺失 / absent"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple):
        return "[" + ", ".join(value_text(v) for v in value) + "]"
    return str(value)


def compare_text(c: CompareTrace) -> str:
    """e.g. "remaining (2) <= 3 ✓", "fee_amount (150) > fee_standard (100) ✓"."""
    mark = OK if c.holds else NO
    left = f"{c.field} ({value_text(c.actual)})"
    if c.op in ("exists", "missing"):
        return f"{left} {c.op} {mark}"
    if c.other is not None:
        right = f"{c.other} ({value_text(c.other_actual)})"
    else:
        right = value_text(c.value)
    return f"{left} {_OPS.get(c.op, c.op)} {right} {mark}"


def trace_lines(node: Trace, indent: int = 0) -> list[str]:
    pad = "  " * indent
    if isinstance(node, CompareTrace):
        return [pad + compare_text(node)]
    words = "全部成立 / all of" if node.kind == "all" else "任一成立 / any of"
    lines = [f"{pad}{words} {OK if node.holds else NO}"]
    for part in node.parts:
        lines += trace_lines(part, indent + 1)
    return lines


def rule_lines(rule: RuleExplanation) -> list[str]:
    verdict = "触发 / fires" if rule.matched else "未触发 / silent"
    head = (
        f"{OK if rule.matched else NO} {rule.rule_id} [{rule.level}] {verdict}: "
        f"{rule.title_zh} / {rule.title_en} ({rule.source})"
    )
    lines = [head, *trace_lines(rule.trace, 2)]
    if rule.matched:
        lines.append(f"    → {rule.message_zh} / {rule.message_en}")
    return lines


def day_line(day: ClockDay) -> str:
    status = _STATUSES[day.status]
    if day.stop_type and day.status in ("stopped", "counted"):
        zh = "中止" if day.status == "stopped" else "照常计时"
        en = "stop" if day.status == "stopped" else "clock runs"
        status += f" [{day.stop_type}：{zh} / {en}]"
    marks = "; ".join(_MARKS[m] for m in day.marks)
    tail = "  ← " + marks if marks else ""
    note = f" （{day.note}）" if day.note else ""
    return (
        f"{day.day.isoformat()}  {_WEEKDAYS[day.day.weekday()]}  {_KINDS[day.kind]:<16} "
        f"{day.total:>4}  {status}{note}{tail}"
    )


def explanation_lines(found: CaseExplanation) -> list[str]:
    clock = found.clock
    source = (
        "按记录重放至该时刻 / replayed from the records up to that moment"
        if found.replayed
        else "按案件当前数据 / from the case as stored"
    )
    lines = [
        f"案件 / case {found.case_id}（{found.tracking_no}） 事项 / item {found.item} "
        f"状态 / state {found.state}",
        f"查看时刻 / as of {shown(found.as_of)}（{source}）；"
        f"规则版本 / rules {found.ruleset_version}",
        f"时限 / limit {clock.limit} + 延期 / extension {clock.extension}；已用 / elapsed "
        f"{clock.elapsed}；剩余 / remaining {clock.remaining}；超期 / overdue {clock.overdue}；"
        f"到期日 / due {clock.due_date or '—'}",
        "",
        "事实字段 / fact fields:",
        *(f"  {name} = {value_text(value)}" for name, value in sorted(found.fact.items())),
        "",
        f"规则 / rules（触发 {len(found.matched)} 条 / {len(found.matched)} firing）:",
    ]
    for rule in found.rules:
        lines += rule_lines(rule)
    lines += ["", "逐日计时 / the clock day by day:"]
    lines.append("日期 date   星期 day  日类型 kind      累计 total  计时 clock")
    head, omitted, tail = trimmed(list(found.days))
    lines += [day_line(day) for day in head]
    if omitted:
        lines.append(f"…… 中间 {omitted} 天未列出 / {omitted} days left out ……")
        lines += [day_line(day) for day in tail]
    lines += [f"注 / note: {note}" for note in clock.notes]
    return lines


def report_lines(report: RuleTestReport) -> list[str]:
    lines: list[str] = []
    for result in report.results:
        mark = OK if result.passed else NO
        lines.append(f"{mark} {result.name}（{result.where}）")
        lines += [f"    {line}" for line in result.failures]
    failed = sum(not r.passed for r in report.results)
    total = len(report.results)
    lines.append(
        f"共 {total} 个测试，通过 {total - failed}，失败 {failed}（规则版本 {report.version}）"
        f" / {total} tests, {total - failed} passed, {failed} failed (rules {report.version})"
    )
    return lines


def coverage_lines(report: RuleTestReport) -> list[str]:
    width = max((len(c.rule_id) for c in report.coverage), default=10) + 2
    lines = [
        "规则覆盖 / rule coverage（触发 fired = 规则触发的事实数；未触发 silent = 涉及该规则字段"
        "而未触发的事实数 / facts that carry the rule's fields and did not fire it）",
        f"{'规则 rule':<{width - 2}}  {'级别 level':<10}  {'触发 fired':>10}  "
        f"{'未触发 silent':>13}",
    ]
    for c in report.coverage:
        mark = OK if c.covered else NO
        lines.append(f"{c.rule_id:<{width}}{c.level:<12}{c.fired:>10}  {c.silent:>13}  {mark}")
    never_fired = [c.rule_id for c in report.coverage if not c.fired]
    never_silent = [c.rule_id for c in report.coverage if not c.silent]
    if never_fired:
        lines.append(f"从未触发 / never fired: {', '.join(never_fired)}")
    if never_silent:
        lines.append(f"从未在相关事实上静默 / never silent: {', '.join(never_silent)}")
    covered = len(report.coverage) - len(report.uncovered)
    lines.append(
        f"覆盖 {covered}/{len(report.coverage)} 条规则 / {covered} of "
        f"{len(report.coverage)} rules covered"
    )
    return lines
