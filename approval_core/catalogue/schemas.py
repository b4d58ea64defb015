"""The shape of the approval catalogue files (rules/items.yaml, the clock of rules/timeliness.yaml).

Structure and single-record rules live here; rules that need the whole catalogue (duplicate codes,
references, step limits against defaults) are checked by `service.load_catalogue`. Models are
strict (no "30" for 30, no 1 for true) and refuse unknown keys, so a typo never passes silently.
The fee standards (rules/fees.yaml) have their own module, `catalogue.fees`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from approval_core.catalogue.forms import FormPath
from approval_core.clock.units import DayUnit
from approval_core.yamlsource import Problem, RuleViolation, matching

Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
Code = Annotated[
    str,
    matching(
        r"[A-Z][A-Z0-9]*(-[A-Z0-9]+)*",
        "须由大写字母、数字和连字符组成（如 LAWYER-PRACTICE）",
        "must be capital letters, digits and hyphens (like LAWYER-PRACTICE)",
    ),
]
MaterialCode = Annotated[
    str,
    matching(
        r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*",
        "须由大写字母、数字和下划线组成（如 ID_CARD）",
        "must be capital letters, digits and underscores (like ID_CARD)",
    ),
]
Slug = Annotated[
    str,
    matching(
        r"[a-z][a-z0-9]*(_[a-z0-9]+)*",
        "须由小写字母、数字和下划线组成（如 expert_review）",
        "must be small letters, digits and underscores (like expert_review)",
    ),
]
Phone = Annotated[
    str,
    matching(
        r"0\d{2,3}-\d{7,8}|\d{5,6}",
        '须为 区号-号码（如 0791-86000000）或 5 至 6 位服务号码（如 "12348"，加引号）',
        "must be area code-number (like 0791-86000000) "
        'or a 5-6 digit service number (like "12348")',
    ),
]
WorkingDays = Annotated[int, Field(gt=0)]  # a limit: at least one working day
OptionalDays = Annotated[int, Field(ge=0)]  # 0 allowed: no window / no extension

# Steps every case passes through, in this order (docs/DOMAIN.md glossary); others may be added.
REQUIRED_STEPS: tuple[str, ...] = ("accept", "handle", "review", "conclude")


class RuleModel(BaseModel):
    """Base of every rule record: strict types, unknown keys refused, immutable once loaded."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class LegalBasis(RuleModel):
    """A statute and the article relied on, e.g. 《中华人民共和国律师法》第六条."""

    statute: Text
    statute_en: Text
    article: Text
    article_en: Text


class Category(RuleModel):
    code: Code
    name_zh: Text
    name_en: Text


class Department(RuleModel):
    """The responsible division (责任部门) with its public contact data.

    Documents are issued in the name of the department as a legal body (the `issuer:` of
    rules/items.yaml), the division named as the one that handled the case. A unit that issues
    its own decisions (a legal-aid centre, 法律援助机构) names itself in `issuer_zh`/`issuer_en`.
    """

    code: Code
    name_zh: Text
    name_en: Text
    address_zh: Text
    address_en: Text
    contact_phone: Phone
    supervision_phone: Phone
    issuer_zh: Text | None = None
    issuer_en: Text | None = None
    decision_prefix: Text | None = None  # with issuer_zh: its own 文号 prefix


class Remedy(RuleModel):
    """Where and within what time a decision can be challenged (救济途径), as printed."""

    body_zh: Text  # e.g. 江西省人民政府; printed after 向
    body_en: Text
    days: Annotated[int, Field(gt=0)] | None = None
    months: Annotated[int, Field(gt=0)] | None = None
    legal_basis: Annotated[list[LegalBasis], Field(min_length=1)]

    @model_validator(mode="after")
    def _one_period(self) -> Self:
        # Neither: the statute sets no time (e.g. the legal-aid objection, 法律援助法 Art. 49).
        if self.days is not None and self.months is not None:
            raise RuleViolation.one(
                (), "days 与 months 只能写一个", "give days or months, not both"
            )
        return self


class Issuer(RuleModel):
    """The department as a legal body (行政机关): the name documents are issued under, and the
    remedies against its decisions: reconsideration (行政复议) and litigation (行政诉讼)."""

    name_zh: Text
    name_en: Text
    # 文号 prefix of decisions numbered by the system (when the head gives no number), e.g. 赣司许
    # gives 赣司许〔2026〕20260302000123号 (the year, then the case's tracking number).
    decision_prefix: Text
    reconsideration: Remedy
    litigation: Remedy


class Material(RuleModel):
    """One document of the application (申报材料); `mandatory` ones must be in before acceptance."""

    code: MaterialCode
    name_zh: Text
    name_en: Text
    mandatory: bool
    note_zh: Text | None = None
    note_en: Text | None = None
    # The blank form to download (表格下载), a file under rules/forms/; None: not a form (an
    # identity card, a certificate…), nothing to download.
    form: FormPath | None = None


class Condition(RuleModel):
    """One condition the applicant must meet (申请条件), in the words of its statute."""

    text_zh: Text
    text_en: Text


class Step(RuleModel):
    """One step of the flow (办事流程) and its own limit in working days, if it has one."""

    code: Slug
    name_zh: Text
    name_en: Text
    actor: Literal["clerk", "handler", "reviewer", "head"]
    limit: WorkingDays | None = None


class Item(RuleModel):
    """One entry of the catalogue (事项) with everything its public disclosure needs."""

    code: Code
    name_zh: Text
    name_en: Text
    kind: Literal["licence", "service"]  # 行政许可 / 公共服务
    category: Code
    department: Code
    authority_zh: Text  # 实施主体
    authority_en: Text
    legal_basis: Annotated[list[LegalBasis], Field(min_length=1)]
    conditions: Annotated[list[Condition], Field(min_length=1)]  # 申请条件
    conditions_basis: Annotated[list[LegalBasis], Field(min_length=1)]
    limit: WorkingDays  # 法定时限
    promised_limit: WorkingDays  # 承诺时限
    limit_basis: Annotated[list[LegalBasis], Field(min_length=1)]
    # None: the default of rules/timeliness.yaml (clock.default_*).
    acceptance_window: OptionalDays | None = None
    # acceptance: the limit counts from acceptance (行政许可法 Art. 42); receipt: the item's own
    # statute counts it from receipt of the application (自收到…之日起).
    limit_from: Literal["acceptance", "receipt"] = "acceptance"
    max_extension_days: OptionalDays | None = None
    # The unit of all the item's periods (limit, promised limit, acceptance window, extension,
    # step limits): working_days (行政许可法 Art. 82, licensing) or natural_days (a statute that
    # says "日" outside licensing; a period ending on a rest day ends on the next working day).
    limit_unit: DayUnit = "working_days"
    limit_unit_basis: list[LegalBasis] | None = None  # required for natural_days
    materials: Annotated[list[Material], Field(min_length=1)]
    flow: Annotated[list[Step], Field(min_length=len(REQUIRED_STEPS))]
    contact_phone: Phone
    supervision_phone: Phone
    # A remedy the item's own statute gives before reconsideration or litigation (e.g. the
    # objection of 法律援助法 Art. 49); printed first on a denial or rejection.
    objection: Remedy | None = None

    @property
    def mandatory_materials(self) -> list[Material]:
        """Materials without which the application may not be accepted (手续不全)."""
        return [m for m in self.materials if m.mandatory]

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems = [
            *self._promised_problems(),
            *self._window_problems(),
            *self._unit_problems(),
            *duplicates("materials", [m.code for m in self.materials]),
            *duplicates("flow", [s.code for s in self.flow]),
            *self._flow_problems(),
        ]
        if problems:
            raise RuleViolation(problems)
        return self

    def _promised_problems(self) -> list[Problem]:
        if self.promised_limit <= self.limit:
            return []
        return [
            Problem(
                ("promised_limit",),
                f"承诺时限 {self.promised_limit} 不能超过法定时限 {self.limit}",
                f"promised limit {self.promised_limit} exceeds the statutory limit {self.limit}",
            )
        ]

    def _window_problems(self) -> list[Problem]:
        # With no acceptance window the clock must run from receipt, or every case would be
        # deemed accepted (Art. 32) the moment it arrives.
        if self.acceptance_window != 0 or self.limit_from == "receipt":
            return []
        return [
            Problem(
                ("acceptance_window",),
                "受理期限为 0 时，时限必须自收件起算（limit_from: receipt）",
                "an acceptance window of 0 needs the limit counted from receipt "
                "(limit_from: receipt)",
            )
        ]

    def _unit_problems(self) -> list[Problem]:
        # Working days are the licensing default (Art. 82); any other unit must say why.
        if self.limit_unit == "working_days" or self.limit_unit_basis:
            return []
        return [
            Problem(
                ("limit_unit_basis",),
                "时限按自然日计算（limit_unit: natural_days）时须写明依据 limit_unit_basis",
                "a limit counted in natural days (limit_unit: natural_days) needs its "
                "legal basis in limit_unit_basis",
            )
        ]

    def _flow_problems(self) -> list[Problem]:
        codes = [s.code for s in self.flow]
        present = [c for c in codes if c in REQUIRED_STEPS]
        if list(dict.fromkeys(present)) == list(REQUIRED_STEPS):
            return []
        steps = ", ".join(REQUIRED_STEPS)
        return [
            Problem(
                ("flow",),
                f"办理流程必须依次包含环节 {steps}",
                f"the flow must contain the steps {steps} in this order",
            )
        ]


class ItemsFile(RuleModel):
    """rules/items.yaml."""

    issuer: Issuer
    categories: Annotated[list[Category], Field(min_length=1)]
    departments: Annotated[list[Department], Field(min_length=1)]
    items: Annotated[list[Item], Field(min_length=1)]


class StopType(RuleModel):
    """A special procedure (Art. 45, 补正) and whether its duration is left out of the limit."""

    code: Slug
    name_zh: Text
    name_en: Text
    legal_basis: Annotated[list[LegalBasis], Field(min_length=1)]
    excludes_time: bool
    note_zh: Text | None = None
    note_en: Text | None = None


class Period(RuleModel):
    """A period set by a rule outside an item (e.g. the complaint acceptance limit): how many
    days, in which unit, and on what basis."""

    days: WorkingDays
    unit: DayUnit
    legal_basis: Annotated[list[LegalBasis], Field(min_length=1)]
    note_zh: Text | None = None
    note_en: Text | None = None


# Until rules/timeliness.yaml says otherwise: 5 working days to accept a complaint.
DEFAULT_COMPLAINT_ACCEPTANCE_DAYS = 5


class ClockSettings(RuleModel):
    """The `clock:` section of rules/timeliness.yaml."""

    default_acceptance_window: OptionalDays
    default_max_extension_days: OptionalDays
    max_extensions: OptionalDays
    cutoff: time | None = Field(strict=False)  # None: the due date ends at 24:00
    # An action recorded more than this many hours after the moment it says it happened (`at`)
    # needs a reason, and the rule PROC-BACKDATED-ENTRY reports it (补录 / backdated entry).
    backdate_tolerance_hours: Annotated[int, Field(ge=0, le=8760)]
    clock_stops: Annotated[list[StopType], Field(min_length=1)]
    # 投诉受理期限: None means 5 working days (DEFAULT_COMPLAINT_ACCEPTANCE_DAYS).
    complaint_acceptance: Period | None = None

    @field_validator("cutoff", mode="before")
    @classmethod
    def _cutoff_is_text(cls, value: Any) -> Any:
        # Unquoted 17:30 is the integer 1050 in YAML 1.1 (base 60); never read it as seconds.
        if value is not None and not isinstance(value, str | time):
            raise RuleViolation.one(
                (),
                '截止时刻须写成加引号的 "HH:MM"，或 null 表示 24:00',
                'the cut-off must be a quoted "HH:MM", or null for 24:00',
            )
        return value

    @model_validator(mode="after")
    def _supplement_defined(self) -> Self:
        # Unique stop codes are checked by load_catalogue on the raw file (with line numbers).
        if "supplement" not in {s.code for s in self.clock_stops}:
            raise RuleViolation.one(
                ("clock_stops",),
                "必须定义 supplement（补正）中止类型，计时规则依赖它",
                "the stop type supplement (补正) must be defined: the clock relies on it",
            )
        return self


class TimelinessClock(BaseModel):
    """rules/timeliness.yaml as far as the catalogue reads it: the `clock:` section.

    Other top-level sections (the supervision ladder) belong to their own loaders and are not
    looked at here, so this root alone ignores unknown keys; everything below it forbids them.
    """

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)

    clock: ClockSettings


def duplicates(section: str, codes: Sequence[str]) -> list[Problem]:
    """A problem at each repeated code of a list, naming the position of the first one."""
    first: dict[str, int] = {}
    problems: list[Problem] = []
    for index, code in enumerate(codes):
        if code in first:
            problems.append(
                Problem(
                    (section, index, "code"),
                    f"代码 {code} 重复（同 {section}[{first[code]}]）",
                    f"duplicate code {code} (same as {section}[{first[code]}])",
                )
            )
        else:
            first[code] = index
    return problems
