"""`applicant_routes:` of rules/notifications.yaml: what the applicant is told, by SMS and e-mail,
when a document is issued to them (外网反馈: receipt, acceptance, rejection, supplement notice,
special procedure, extension, decision).

Each route names one document kind (the record's `documents_out`), the channels, what happened
in both languages, the texts (with parameters in braces) and, for SMS, the template registered
with the provider and which of our parameters fill its parameters. Every fault is reported in
place (file:line:column) like the rest of the file.
"""

from __future__ import annotations

import string
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from approval_core.receipts.schemas import KINDS
from approval_core.yamlsource import RuleViolation, suggest

ApplicantChannel = Literal["sms", "email"]
# What a text or an SMS template may say: the case's tracking number, the item's name, what
# happened, the public progress query link and the due date.
PARAMETERS = ("tracking_no", "item", "what", "link", "due_date")


def _unknown(kind_zh: str, kind_en: str, value: str, choices: tuple[str, ...]) -> RuleViolation:
    close = suggest(value, choices)
    hint, hint_en = (f"（是否想写 {close}？）", f" (did you mean {close}?)") if close else ("", "")
    return RuleViolation.one(
        (),
        f"未知的{kind_zh} {value}{hint}；可写 {'、'.join(choices)}",
        f"unknown {kind_en} {value}{hint_en}; use {', '.join(choices)}",
    )


def _document(value: str) -> str:
    if value not in KINDS:
        raise _unknown("文书类型", "document kind", value, KINDS)
    return value


def _parameter(value: str) -> str:
    if value not in PARAMETERS:
        raise _unknown("参数", "parameter", value, PARAMETERS)
    return value


def _text(value: str) -> str:
    """A text whose `{name}` placeholders are all known parameters."""
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(value) if name is not None]
    except ValueError as exc:
        raise RuleViolation.one(
            (),
            f"字段 {{field}} 的花括号不成对：{exc}",
            f"field {{field}} has unpaired braces: {exc}",
        ) from exc
    for name in names:
        _parameter(name)
    return value


Document = Annotated[str, AfterValidator(_document)]
Parameter = Annotated[str, AfterValidator(_parameter)]
Text = Annotated[str, Field(min_length=1), AfterValidator(_text)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class SmsTemplate(_Model):
    """A template registered with the SMS provider (模板编号) and its parameters: the provider's
    parameter name -> one of ours."""

    template: Annotated[str, Field(min_length=1, max_length=64)]
    params: dict[str, Parameter] = {}


class ApplicantRoute(_Model):
    document: Document
    channels: Annotated[list[ApplicantChannel], Field(min_length=1)] = ["sms", "email"]
    what_zh: Annotated[str, Field(min_length=1)]
    what_en: Annotated[str, Field(min_length=1)]
    subject_zh: Text = "您的申请{what}（查询编号 {tracking_no}）"
    subject_en: Text = "Your application {what} (tracking number {tracking_no})"
    text_zh: Text = (
        "您申请的{item}（查询编号 {tracking_no}）{what}。凭查询编号和查询码查看进度和文书：{link}"
    )
    text_en: Text = (
        "Your application for {item} (tracking number {tracking_no}) {what}. Progress and "
        "documents with your tracking number and query code: {link}"
    )
    sms: SmsTemplate | None = None

    def render(self, params_zh: dict[str, Any], params_en: dict[str, Any]) -> dict[str, Any]:
        """The message's texts and, when the route has one, its SMS template and values."""
        zh = params_zh | {"what": self.what_zh}
        en = params_en | {"what": self.what_en}
        sms = None
        if self.sms is not None:
            values = {name: str(zh[ours]) for name, ours in self.sms.params.items()}
            sms = {"template": self.sms.template, "params": values}
        return {
            "subject_zh": self.subject_zh.format(**zh),
            "subject_en": self.subject_en.format(**en),
            "text_zh": self.text_zh.format(**zh),
            "text_en": self.text_en.format(**en),
            "sms": sms,
        }


def check_applicant_routes(routes: list[ApplicantRoute]) -> list[RuleViolation]:
    """Cross-entry faults: an SMS route without a template, a document told twice on a channel
    (each message is sent once per case, record and channel)."""
    problems: list[RuleViolation] = []
    seen: set[tuple[str, str]] = set()
    for r, route in enumerate(routes):
        loc = ("applicant_routes", r)
        if "sms" in route.channels and route.sms is None:
            problems.append(
                RuleViolation.one(
                    (*loc, "channels"),
                    "渠道含 sms 的路由须写 sms: {template: 模板编号, params: {...}}",
                    "a route with channel sms needs sms: {template: ID, params: {...}}",
                )
            )
        for c, channel in enumerate(route.channels):
            if (route.document, channel) in seen:
                problems.append(
                    RuleViolation.one(
                        (*loc, "channels", c),
                        f"文书 {route.document} 已有路由通过 {channel} 告知申请人",
                        f"document {route.document} is already told on {channel} by an "
                        "earlier route",
                    )
                )
            seen.add((route.document, channel))
    return problems
