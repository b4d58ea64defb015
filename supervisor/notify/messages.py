"""What a notification says: one message dict per alert (Chinese first, English too), and the
texts each channel shows. The dict is the documented webhook payload's `data`."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

LEVEL_ZH = {"warning": "预警", "yellow": "黄牌", "red": "红牌", "anomaly": "异常"}
KIND_ZH = {"alert": "告警", "escalation": "升级提醒", "repeat": "重复提醒", "digest": "每日汇总"}
KIND_EN = {"alert": "alert", "escalation": "escalation", "repeat": "reminder", "digest": "digest"}


def alert_message(alert: Any, case: Mapping[str, Any] | None, kind: str) -> dict[str, Any]:
    """The message about `alert` (an Alert or a row of its columns) and its case, if any."""
    level_zh = LEVEL_ZH.get(alert.level, alert.level)
    case_no = case["tracking_no"] if case else None
    where = f" 案件 {case_no}" if case_no else ""
    subject_zh = f"【{level_zh}·{KIND_ZH[kind]}】{alert.title_zh}{where}"
    subject_en = f"[{alert.level} {KIND_EN[kind]}] {alert.title_en}" + (
        f" case {case_no}" if case_no else ""
    )
    lines_zh = [subject_zh, alert.message_zh]
    lines_en = [subject_en, alert.message_en]
    if case:
        lines_zh += [
            f"案件编号：{case_no}",
            f"事项：{case['item_name']}（{case['item']}）",
            f"办理期限：{case['due_date'] or '未起算'}",
        ]
        lines_en += [f"Case: {case_no}", f"Due: {case['due_date'] or 'not started'}"]
    lines_zh.append(f"法律依据：{alert.legal_basis}")
    lines_en.append(f"Legal basis: {alert.legal_basis}")
    return {
        "event": f"alert.{kind}",
        "kind": kind,
        "subject_zh": subject_zh,
        "subject_en": subject_en,
        "text_zh": "\n".join(lines_zh),
        "text_en": "\n".join(lines_en),
        "alert": _alert_view(alert),
        "case": dict(case) if case else None,
    }


def _alert_view(alert: Any) -> dict[str, Any]:
    return {
        "id": alert.id,
        "rule_id": alert.rule_id,
        "level": alert.level,
        "status": alert.status,
        "title_zh": alert.title_zh,
        "title_en": alert.title_en,
        "message_zh": alert.message_zh,
        "legal_basis": alert.legal_basis,
        "opened_at": alert.opened_at.isoformat(),
        "department": alert.department_code,
        "item": alert.item_code,
    }


def subject(message: Mapping[str, Any], language: str) -> str:
    if language == "en":
        return str(message["subject_en"])
    return f"{message['subject_zh']} / {message['subject_en']}"


def text(message: Mapping[str, Any], language: str) -> str:
    """Plain text: Chinese first with English below (English only for `en` readers)."""
    if language == "en":
        return str(message["text_en"])
    return f"{message['text_zh']}\n\n{message['text_en']}"


def markdown(message: Mapping[str, Any], language: str) -> str:
    lines = text(message, language).split("\n")
    return "\n".join([f"### {lines[0]}", *(f"> {line}" if line else "" for line in lines[1:])])


def html_body(message: Mapping[str, Any], language: str) -> str:
    lines = text(message, language).split("\n")
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines[1:] if line)
    return f"<html><body><h3>{html.escape(lines[0])}</h3>{body}</body></html>"


def truncate_utf8(value: str, limit: int) -> str:
    """At most `limit` bytes of UTF-8, cut on a character boundary, marked when cut."""
    raw = value.encode("utf-8")
    if len(raw) <= limit:
        return value
    mark = "…（已截断 / truncated）"
    room = limit - len(mark.encode("utf-8"))
    return raw[:room].decode("utf-8", errors="ignore") + mark
