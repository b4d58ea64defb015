"""rules/evaluation.yaml (绩效评估规则): indicators, their weights, the grades, who is scored.

Checked like every rule file (`approval_core.yamlsource`): every fault at once as "file:line:
column: 中文 / English", with a did-you-mean for unknown keys and measures. Beyond the shape:
a measure must be one of the fixed set (`measures.py`), the weights add up to 100, an indicator
has either a `target` (all or nothing) or a `scale` (points in proportion between the value
worth nothing and the value worth full points) that agrees with its `direction`, indicator codes
are unique, and the grade thresholds go down from 优秀 to 不合格 (which starts at 0).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from approval_core.errors import ConfigError
from approval_core.yamlsource import (
    Problem,
    RuleViolation,
    check,
    load_yaml,
    sort_messages,
    suggest,
)
from supervisor.evaluation.measures import MEASURES
from supervisor.evaluation.statistics import Unit

FILE = "evaluation.yaml"
TOTAL_WEIGHT = 100
Direction = Literal["higher", "lower"]
# The grades, best first: (Chinese name as written in the file, English name).
GRADES: tuple[tuple[str, str], ...] = (
    ("优秀", "excellent"),
    ("良好", "good"),
    ("合格", "pass"),
    ("不合格", "fail"),
)
GRADE_EN = dict(GRADES)


def _measure(value: str) -> str:
    if value in MEASURES:
        return value
    close = suggest(value, MEASURES)
    hint, hint_en = (f"，是否应为 {close}？", f"; did you mean {close}?") if close else ("", "")
    names = ", ".join(MEASURES)
    raise RuleViolation.one(
        (),
        f"未知的计量项 {value}{hint}（可用：{names}）",
        f"unknown measure {value}{hint_en} (known: {names})",
    )


MeasureName = Annotated[str, AfterValidator(_measure)]
Text = Annotated[str, Field(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Scale(_Model):
    """Points in proportion: `zero` is worth nothing, `full` full points, between them linear."""

    full: float
    zero: float


class Indicator(_Model):
    code: Annotated[str, Field(min_length=1, max_length=40)]
    measure: MeasureName
    weight: Annotated[int, Field(gt=0, le=TOTAL_WEIGHT)]
    direction: Direction
    target: float | None = None
    scale: Scale | None = None
    name_zh: Text | None = None  # defaults to the measure's name
    name_en: Text | None = None
    explain_zh: Text
    explain_en: Text

    @model_validator(mode="after")
    def _target_or_scale(self) -> Self:
        if (self.target is None) == (self.scale is None):
            raise RuleViolation.one(
                (),
                "指标须写 target（达标值，达到得满分，否则 0 分）"
                "或 scale（full 满分值、zero 零分值）之一",
                "an indicator needs exactly one of target (full points when reached, else 0) or "
                "scale (full: the value worth full points, zero: the value worth none)",
            )
        scale = self.scale
        if scale is not None:
            higher = self.direction == "higher"
            if (scale.full > scale.zero) != higher or scale.full == scale.zero:
                word = ("大于", "above") if self.direction == "higher" else ("小于", "below")
                raise RuleViolation.one(
                    ("scale",),
                    f"direction 为 {self.direction}，scale 的 full 须{word[0]} zero",
                    f"with direction {self.direction}, scale full must be {word[1]} zero",
                )
        return self

    @property
    def title_zh(self) -> str:
        return self.name_zh or MEASURES[self.measure].name_zh

    @property
    def title_en(self) -> str:
        return self.name_en or MEASURES[self.measure].name_en


class Grades(_Model):
    """The lowest score of each grade (0-100), best first."""

    excellent: float = Field(alias="优秀")
    good: float = Field(alias="良好")
    pass_: float = Field(alias="合格")
    fail: float = Field(alias="不合格")

    @model_validator(mode="after")
    def _in_order(self) -> Self:
        problems = []
        if self.fail != 0:
            zh, en = "不合格 须从 0 分起", "不合格 (fail) must start at 0"
            problems.append(Problem(("不合格",), zh, en))
        pairs = [(GRADES[i][0], GRADES[i + 1][0]) for i in range(len(GRADES) - 1)]
        lows = dict(zip((g for g, _ in GRADES), self.lows(), strict=True))
        for higher, lower in pairs:
            if not lows[higher] > lows[lower]:
                problems.append(
                    Problem(
                        (higher,),
                        f"等级分数线须从高到低：{higher}（{lows[higher]:g}）须高于 {lower}"
                        f"（{lows[lower]:g}）",
                        f"grade thresholds must go down: {higher} ({lows[higher]:g}) must be "
                        f"above {lower} ({lows[lower]:g})",
                    )
                )
        for grade, low in lows.items():
            if not 0 <= low <= TOTAL_WEIGHT:
                problems.append(
                    Problem((grade,), "分数线须在 0 到 100 之间", "a threshold must be 0 to 100")
                )
        if problems:
            raise RuleViolation(problems)
        return self

    def lows(self) -> tuple[float, float, float, float]:
        return (self.excellent, self.good, self.pass_, self.fail)

    def grade(self, score: float) -> str:
        """The Chinese name of the grade of `score`."""
        for (name, _), low in zip(GRADES, self.lows(), strict=True):
            if score >= low:
                return name
        return GRADES[-1][0]


class Scored(_Model):
    """Who is scored: the units (department, handler, item) and how much a unit must have done."""

    units: Annotated[list[Unit], Field(min_length=1)]
    min_concluded: Annotated[int, Field(ge=0)] = 1


class EvaluationRules(_Model):
    scored: Scored
    indicators: Annotated[list[Indicator], Field(min_length=1)]
    grades: Grades

    @model_validator(mode="after")
    def _weights_and_codes(self) -> Self:
        problems = list_problems([(i.code, i.weight) for i in self.indicators])
        if problems:
            raise RuleViolation(problems)
        return self

    def indicator(self, code: str) -> Indicator | None:
        return next((i for i in self.indicators if i.code == code), None)


def list_problems(entries: list[tuple[Any, Any]]) -> list[Problem]:
    """Faults of the indicator list as a whole, from (code, weight) pairs: the weights must add
    up to 100 (summed only when every weight is a whole number: others are reported as such),
    and codes must be unique."""
    problems = []
    weights = [w for _, w in entries]
    if all(isinstance(w, int) and not isinstance(w, bool) for w in weights):
        total = sum(weights)
        if total != TOTAL_WEIGHT:
            problems.append(
                Problem(
                    ("indicators",),
                    f"各指标权重之和须为 {TOTAL_WEIGHT}，现为 {total}",
                    f"the weights of the indicators must add up to {TOTAL_WEIGHT}, not {total}",
                )
            )
    first: dict[Any, int] = {}
    for n, (code, _) in enumerate(entries):
        if isinstance(code, str) and code in first:
            problems.append(
                Problem(
                    ("indicators", n, "code"),
                    f"指标代码 {code} 重复（首次为第 {first[code] + 1} 项）",
                    f"duplicate indicator code {code} (first at entry {first[code] + 1})",
                )
            )
        if isinstance(code, str):
            first.setdefault(code, n)
    return problems


def check_evaluation(rules_dir: Path) -> tuple[EvaluationRules | None, list[str]]:
    """The evaluation rules of `rules_dir` and their problems; (None, []) without the file."""
    path = rules_dir / FILE
    if not path.exists():
        return None, []
    try:
        doc = load_yaml(path)
    except ConfigError as exc:
        return None, list(exc.problems)
    rules, messages = check(doc, EvaluationRules)
    if rules is None:  # the list's faults too, which the model checks only when all else is valid
        raw = doc.data.get("indicators") if isinstance(doc.data, dict) else None
        entries = [(e.get("code"), e.get("weight")) for e in raw or () if isinstance(e, dict)]
        messages += [doc.format(p) for p in list_problems(entries)] if isinstance(raw, list) else []
    return rules, sort_messages(messages)
