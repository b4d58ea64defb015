"""The shape of the rule sections of rules/timeliness.yaml, procedure.yaml and fees.yaml.

pydantic checks everything here except the conditions (`when`), the parameter values and the
response days: those need the fact-field catalogue, the parameters in reach and the approval
catalogue, and are checked (and compiled) by `conditions.py` on the raw data, so that a rule with
a broken title still has its condition checked and every problem is reported in one go.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from approval_core.yamlsource import matching

Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
RULE_ID_PATTERN = r"[A-Z][A-Z0-9]*(-[A-Z0-9]+)*"
PARAM_PATTERN = r"[a-z][a-z0-9]*(_[a-z0-9]+)*"
RuleId = Annotated[
    str,
    matching(
        RULE_ID_PATTERN,
        "须由大写字母、数字和连字符组成（如 PROC-SECOND-SUPPLEMENT）",
        "must be capital letters, digits and hyphens (like PROC-SECOND-SUPPLEMENT)",
    ),
]
ParamName = Annotated[
    str,
    matching(
        PARAM_PATTERN,
        "须由小写字母、数字和下划线组成（如 warning_days）",
        "must be small letters, digits and underscores (like warning_days)",
    ),
]
LevelName = Literal["warning", "yellow", "red", "anomaly"]
ConcernName = Literal["handler", "head", "supervisor"]


class RuleModel(BaseModel):
    """Strict types, unknown keys refused (with a did-you-mean), immutable once loaded."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class RuleSpec(RuleModel):
    """One rule as policy staff write it."""

    id: RuleId
    title_zh: Text
    title_en: Text
    level: LevelName
    when: Any  # the condition: checked and compiled by conditions.py
    legal_basis: Text
    concerns: Annotated[list[ConcernName], Field(min_length=1)]
    params: dict[ParamName, Any] = {}  # values checked where they are used
    message_zh: Text
    message_en: Text
    cause_field: str | None = None  # a fact field name, checked against supervisor/fields.py
    response_days: Any = None  # working days, or {param: name}; checked by conditions.py


class Ladder(RuleModel):
    """The thresholds of the timeliness ladder, in working days (checked for gaps and overlaps).

    On the axis d = days past the due date (d = -remaining = overdue once past it): warning covers
    [-warning_days, 0], yellow [yellow_overdue_days, red_overdue_days - 1], red from
    red_overdue_days on; a yellow card unanswered for more than yellow_response_days turns red.
    """

    warning_days: int
    yellow_overdue_days: int
    red_overdue_days: int
    yellow_response_days: Annotated[int, Field(gt=0)]


LADDER_PARAMS: tuple[str, ...] = tuple(Ladder.model_fields)


class Supervision(RuleModel):
    """The `supervision:` section of rules/timeliness.yaml."""

    ladder: Ladder
    rules: list[RuleSpec]


class TimelinessRules(RuleModel):
    """rules/timeliness.yaml: `clock:` is the catalogue's (approval_core.catalogue)."""

    clock: Any = None
    supervision: Supervision


class ProcedureRules(RuleModel):
    """rules/procedure.yaml."""

    rules: list[RuleSpec]


class FeeRules(RuleModel):
    """rules/fees.yaml: `fees:` (the fee standards) is the catalogue's (catalogue.fees)."""

    fees: Any = None
    rules: list[RuleSpec]
