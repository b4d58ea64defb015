"""The shape of a rule test file (rules/tests/*.yaml), in the spirit of `promtool test rules`.

A file is a list of tests. Each has a `name` and either

- `facts:` flat facts given directly, each `{fact: {field: value, ...}, expect: [RULE-ID, ...]}`
  (`expect` lists exactly the rules that must fire, `[]` meaning none may; `expect_absent` lists
  rules that must not fire while others may). `base:` holds fields shared by every fact of the
  test; a fact's own fields win. A field left out is absent from the fact.
- or `history:` a short case (`item`, then `steps`, the first one `submit`) run through the real
  services, with `as_of:` moments, each listing the alerts of the case expected at that moment
  (`alerts:` exactly the active ones, plus any with a stated status; `absent:` rules that must
  not be active).
- or `evaluation:` figures of one unit (the statistics of `supervisor/evaluation/statistics.py`,
  figures left out are 0) and the score, grade and indicator points rules/evaluation.yaml must
  give them (`grade: 不评定` when the unit must not be graded).

Times are Beijing time, "2026-03-02 09:00". Everything pydantic can check is here; what needs the
rules, the fact fields or the catalogue is checked by `testcheck.py`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal, Self, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from approval_core.cases.schemas import ActionName
from approval_core.timeutil import LEGAL_TZ
from approval_core.users.service import ROLES
from approval_core.yamlsource import RuleViolation
from supervisor.alerts.models import STATUSES

STEP_ACTIONS: tuple[str, ...] = ("submit", *get_args(ActionName))
ALERT_ACTIONS = ("acknowledge", "respond", "remove")
_MOMENT = re.compile(r"(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2}(?::\d{2})?)([+-]\d{2}:?\d{2}|Z)?")

Text = Annotated[str, Field(min_length=1)]
Person = Literal[
    "applicant", "clerk", "handler", "reviewer", "head", "supervisor", "policy", "admin"
]
assert set(get_args(Person)) == set(ROLES)
StepAction = Literal["submit"] | ActionName
Level = Literal["warning", "yellow", "red", "anomaly"]
Status = Literal["open", "acknowledged", "responded", "removed", "resolved"]
assert get_args(Status) == STATUSES


def parse_moment(value: Any) -> Any:
    """A moment as written ("2026-03-02 09:00", Beijing time unless an offset is given)."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=LEGAL_TZ)
    if isinstance(value, date):
        raise RuleViolation.one(
            (),
            '字段 {field} 须写明时刻，如 "2026-03-02 09:00"',
            'field {field} needs a time of day, like "2026-03-02 09:00"',
        )
    found = _MOMENT.fullmatch(value.strip()) if isinstance(value, str) else None
    try:
        if found is None:
            raise ValueError(value)
        moment = datetime.fromisoformat(f"{found[1]}T{found[2]}{found[3] or ''}")
    except ValueError:
        raise RuleViolation.one(
            (),
            '字段 {field} 须为北京时间的日期和时刻，如 "2026-03-02 09:00"',
            'field {field} must be a Beijing date and time, like "2026-03-02 09:00"',
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=LEGAL_TZ)


Moment = Annotated[datetime, BeforeValidator(parse_moment)]


class SpecModel(BaseModel):
    """Strict types, unknown keys refused (with a did-you-mean), immutable once loaded."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class FactCase(SpecModel):
    """One flat fact and what the rules must make of it."""

    fact: dict[str, Any] = {}
    expect: list[str] | None = None
    expect_absent: list[str] | None = None

    @model_validator(mode="after")
    def _has_expectation(self) -> Self:
        if self.expect is None and self.expect_absent is None:
            raise RuleViolation.one(
                (),
                "须写 expect（应触发的全部规则，[] 表示都不触发）"
                "或 expect_absent（不得触发的规则）",
                "needs expect (every rule that must fire; [] for none) or expect_absent "
                "(rules that must not fire)",
            )
        return self


def _rule_entry(value: Any) -> Any:
    return {"rule": value} if isinstance(value, str) else value


class AlertExpect(SpecModel):
    """An alert expected on the case: its rule, and optionally its level and status."""

    rule: str
    level: Level | None = None
    status: Status | None = None


class Check(SpecModel):
    """The case's alerts as of one moment (the sweep has run at that moment)."""

    at: Moment
    alerts: list[Annotated[AlertExpect, BeforeValidator(_rule_entry)]] | None = None
    absent: list[str] | None = None

    @model_validator(mode="after")
    def _has_expectation(self) -> Self:
        if self.alerts is None and self.absent is None:
            raise RuleViolation.one(
                (),
                "须写 alerts（此刻的全部有效告警，[] 表示没有）或 absent（不得有的告警）",
                "needs alerts (every active alert at that moment; [] for none) or absent "
                "(alerts that must not be active)",
            )
        return self


class Step(SpecModel):
    """One thing done to the case: a workflow action (ActionCommand's fields) or an alert action."""

    at: Moment
    who: Person = Field(alias="as")
    action: StepAction | None = None
    alert: Literal["acknowledge", "respond", "remove"] | None = None
    rule: str | None = None  # the alert acted on (alert steps)
    text: str | None = None  # the response (respond) or the reason (remove)
    reason: str | None = None
    legal_basis: str | None = None
    materials: list[str] | None = None
    stop_type: str | None = None
    expected_days: int | None = None
    days: int | None = None
    amount: int | float | None = None
    fee_code: str | None = None
    decision: Literal["approved", "denied"] | None = None
    decision_no: str | None = None
    to_step: str | None = None
    assignee: Person | None = None  # who is assigned (assign): a person of the test
    documents: list[str] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        if (self.action is None) == (self.alert is None):
            raise RuleViolation.one(
                (),
                "每一步须写 action（办件操作）或 alert（告警操作）之一",
                "each step needs exactly one of action (a case action) or alert (an alert action)",
            )
        if (self.alert is None) != (self.rule is None):
            raise RuleViolation.one(
                ("rule",) if self.rule is not None else (),
                "rule（告警的规则编号）只用于且必须用于 alert 步骤",
                "rule (the rule id of the alert) goes with alert steps, and only with them",
            )
        return self


class History(SpecModel):
    """A short case: the catalogue item, then the steps in time order (the first one submit)."""

    item: str
    steps: Annotated[list[Step], Field(min_length=1)]


NOT_GRADED = "不评定"
GradeName = Literal["优秀", "良好", "合格", "不合格", "不评定"]


class ScoreCase(SpecModel):
    """One unit's figures and the score it must get (rules/evaluation.yaml)."""

    key: Text = "unit"  # the unit's key ("-": cases nobody was assigned)
    figures: dict[str, Any] = {}
    score: int | float | None = None
    grade: GradeName | None = None
    points: dict[str, int | float] = {}  # indicator code -> points out of 100

    @model_validator(mode="after")
    def _has_expectation(self) -> Self:
        if self.score is None and self.grade is None and not self.points:
            raise RuleViolation.one(
                (),
                "须写 score（总分）、grade（等级）或 points（各指标得分）",
                "needs score, grade or points (each indicator's points)",
            )
        return self


class RuleTestSpec(SpecModel):
    """One test: flat facts with expectations, a history with as-of moments, or figures with
    their score."""

    name: Text
    base: dict[str, Any] = {}
    facts: Annotated[list[FactCase], Field(min_length=1)] | None = None
    history: History | None = None
    as_of: Annotated[list[Check], Field(min_length=1)] | None = None
    evaluation: Annotated[list[ScoreCase], Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        kinds = (self.facts, self.history, self.evaluation)
        if sum(kind is not None for kind in kinds) != 1:
            raise RuleViolation.one(
                (),
                "测试须写 facts（事实）、history（办件过程）或 evaluation（绩效评分）之一",
                "a test needs exactly one of facts, history or evaluation",
            )
        if self.history is not None and self.as_of is None:
            raise RuleViolation.one(
                (), "history 测试须写 as_of（检查的时刻）", "a history test needs as_of moments"
            )
        if self.history is None and self.as_of is not None:
            raise RuleViolation.one(
                ("as_of",), "as_of 只用于 history 测试", "as_of goes with history tests only"
            )
        if self.facts is None and self.base:
            raise RuleViolation.one(
                ("base",), "base 只用于 facts 测试", "base goes with facts tests only"
            )
        return self
