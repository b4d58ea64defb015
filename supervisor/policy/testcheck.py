"""Load rule test files and report every fault with file:line:column, as rule files are reported.

Beyond the shape (`testfile.py`): fact fields must be fields of supervisor/fields.py with values
of their type, rule ids must be rules in force, items, materials and stop types must be in the
catalogue, and a history must start with `submit` and go forward in time; an evaluation test's
figures must be figures of the statistics, and its points name indicators of
rules/evaluation.yaml. Unknown names come with a did-you-mean. Tests are returned only when no
file has any fault.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, get_type_hints

from pydantic import TypeAdapter, ValidationError

from approval_core.catalogue.service import Catalogue
from approval_core.errors import ConfigError
from approval_core.yamlsource import (
    Loc,
    Problem,
    RuleViolation,
    YamlDocument,
    check,
    display_path,
    load_yaml,
    sort_messages,
    suggest,
)
from supervisor.evaluation.schemas import EvaluationRules
from supervisor.evaluation.statistics import Row
from supervisor.fields import BY_NAME, FactField
from supervisor.policy.testfile import RuleTestSpec, parse_moment
from supervisor.rulebook.compiled import RuleSet
from supervisor.rulebook.values import choice_fault, range_fault, type_fault


@dataclass(frozen=True)
class LoadedTest:
    """One checked test and its part of the file (for the lines of what fails)."""

    spec: RuleTestSpec
    doc: YamlDocument

    def where(self, *loc: Any) -> str:
        """ "file:line" of `loc` within the test (the test itself when `loc` is empty)."""
        return f"{self.doc.source}:{self.doc.mark(loc).line}"


def find_test_files(tests_dir: Path) -> list[Path]:
    return sorted([*tests_dir.glob("*.yaml"), *tests_dir.glob("*.yml")])


def load_tests(
    tests_dir: Path,
    ruleset: RuleSet,
    catalogue: Catalogue,
    evaluation: EvaluationRules | None = None,
) -> tuple[list[LoadedTest], list[str]]:
    """Every test of every file in `tests_dir`, or the faults of those files ([] when none)."""
    shown = display_path(tests_dir)
    if not tests_dir.is_dir():
        return [], [f"{shown}:1:1: 找不到测试目录 / no such test directory"]
    files = find_test_files(tests_dir)
    if not files:
        return [], [f"{shown}:1:1: 目录中没有 *.yaml 测试文件 / no *.yaml test files here"]
    tests: list[LoadedTest] = []
    problems: list[str] = []
    for path in files:
        try:
            doc = load_yaml(path)
        except ConfigError as exc:
            problems += exc.problems
            continue
        found, faults = _read(doc, ruleset, catalogue, evaluation)
        tests += found
        problems += faults
    return (tests, []) if not problems else ([], sort_messages(problems))


def _read(
    doc: YamlDocument,
    ruleset: RuleSet,
    catalogue: Catalogue,
    evaluation: EvaluationRules | None = None,
) -> tuple[list[LoadedTest], list[str]]:
    if not isinstance(doc.data, list) or not doc.data:
        zh = "测试文件须为非空的测试列表（每项以 - name: 开头）"
        en = "a test file must be a non-empty list of tests (each starting with - name:)"
        return [], [doc.format(Problem((), zh, en))]
    tests: list[LoadedTest] = []
    problems: list[str] = []
    names: dict[str, int] = {}
    for index, raw in enumerate(doc.data):
        sub = _part(doc, index)
        spec, faults = check(sub, RuleTestSpec)
        checker = _Checker(sub, ruleset, catalogue, evaluation)
        checker.test(raw)  # on the raw data, so that one fault does not hide the others
        name = raw.get("name") if isinstance(raw, dict) else None
        if isinstance(name, str) and name in names:
            checker.value(
                ("name",),
                f"测试名称重复（首次出现在第 {names[name]} 行）",
                f"duplicate test name (first at line {names[name]})",
            )
        if isinstance(name, str):
            names.setdefault(name, sub.mark(()).line)
        faults += [sub.format(p) for p in checker.problems]
        problems += faults
        if spec is not None and not faults:
            tests.append(LoadedTest(spec, sub))
    return tests, problems


def _part(doc: YamlDocument, index: int) -> YamlDocument:
    """The test at `index` as a document of its own, keeping the file's positions."""

    def below(marks: Mapping[Loc, Any]) -> dict[Loc, Any]:
        return {loc[1:]: mark for loc, mark in marks.items() if loc[:1] == (index,)}

    return YamlDocument(doc.source, doc.data[index], below(doc.value_marks), below(doc.key_marks))


def _entries(value: Any) -> list[tuple[int, Any]]:
    return list(enumerate(value)) if isinstance(value, list) else []


def _texts(value: Any) -> list[tuple[int, str]]:
    return [(k, v) for k, v in _entries(value) if isinstance(v, str)]


def _when(value: Any) -> datetime | None:
    try:
        moment = parse_moment(value)
    except RuleViolation:
        return None
    return moment if isinstance(moment, datetime) else None


class _Checker:
    """The checks that need the rules, the fact fields and the catalogue, made on the raw data
    (whatever its shape: what is not where it belongs is pydantic's to report)."""

    def __init__(
        self,
        doc: YamlDocument,
        ruleset: RuleSet,
        catalogue: Catalogue,
        evaluation: EvaluationRules | None = None,
    ) -> None:
        self.doc = doc
        self.evaluation = evaluation
        self.rules = ruleset.by_id()
        self.catalogue = catalogue
        self.codes = {
            "@items": frozenset(catalogue.items),
            "@departments": frozenset(catalogue.departments),
        }
        self.problems: list[Problem] = []

    def key(self, loc: Loc, zh: str, en: str) -> None:
        self.problems.append(Problem(loc, zh, en))

    def value(self, loc: Loc, zh: str, en: str) -> None:
        self.problems.append(Problem(loc, zh, en, at=self.doc.value_marks.get(loc)))

    def test(self, raw: Any) -> None:
        if not isinstance(raw, dict):
            return
        self.fact(raw.get("base"), ("base",))
        for j, case in _entries(raw.get("facts")):
            if isinstance(case, dict):
                self.fact_case(case, ("facts", j))
        if isinstance(raw.get("history"), dict):
            first = self.history(raw["history"])
            self.moments(raw.get("as_of"), first)
        if "evaluation" in raw:
            self.scores(raw["evaluation"])

    # --- evaluation ---------------------------------------------------------------------------
    def scores(self, cases: Any) -> None:
        if self.evaluation is None:
            self.key(
                ("evaluation",),
                "规则中没有绩效评估规则（rules/evaluation.yaml），无从评分",
                "the rules have no evaluation rules (rules/evaluation.yaml) to score by",
            )
            return
        codes = [i.code for i in self.evaluation.indicators]
        for j, case in _entries(cases):
            if not isinstance(case, dict):
                continue
            loc: Loc = ("evaluation", j)
            figures = case.get("figures")
            for name, value in figures.items() if isinstance(figures, dict) else ():
                fault = figure_fault(name, value)
                if fault is not None:
                    where = (*loc, "figures", name)
                    (self.key if name not in FIGURES else self.value)(where, *fault)
            points = case.get("points")
            for code in points if isinstance(points, dict) else ():
                if code not in codes:
                    found = _unknown("指标代码", "indicator code", str(code), codes)
                    self.key((*loc, "points", code), *found)

    # --- facts --------------------------------------------------------------------------------
    def fact(self, fact: Any, loc: Loc) -> None:
        if not isinstance(fact, dict):
            return
        for name, value in fact.items():
            field = BY_NAME.get(name) if isinstance(name, str) else None
            if field is None:
                self.key((*loc, name), *_unknown("事实字段", "fact field", str(name), BY_NAME))
                continue
            fault = _value_fault(field, value, self.codes)
            if fault is not None:
                self.value((*loc, name), *fault)

    def fact_case(self, case: dict[Any, Any], loc: Loc) -> None:
        self.fact(case.get("fact"), (*loc, "fact"))
        expect = [rule for _, rule in _texts(case.get("expect"))]
        self.rule_ids(case.get("expect"), (*loc, "expect"))
        self.rule_ids(case.get("expect_absent"), (*loc, "expect_absent"))
        for k, rule_id in _texts(case.get("expect_absent")):
            if rule_id in expect:
                self.value(
                    (*loc, "expect_absent", k),
                    f"规则 {rule_id} 同时写在 expect 与 expect_absent 中",
                    f"rule {rule_id} is in both expect and expect_absent",
                )

    def rule_ids(self, ids: Any, loc: Loc) -> None:
        for k, rule_id in _texts(ids):
            self.rule_id(rule_id, (*loc, k))

    def rule_id(self, rule_id: str, loc: Loc) -> bool:
        if rule_id in self.rules:
            return True
        self.value(loc, *_unknown("规则编号", "rule id", rule_id, self.rules))
        return False

    # --- histories ----------------------------------------------------------------------------
    def history(self, history: dict[Any, Any]) -> datetime | None:
        """Check the history's item and steps; returns the moment of its first step."""
        code = history.get("item")
        item = self.catalogue.items.get(code) if isinstance(code, str) else None
        if item is None and isinstance(code, str):
            found = _unknown("事项编码", "item code", code, self.catalogue.items)
            self.value(("history", "item"), *found)
        materials = {m.code for m in item.materials} if item is not None else None
        times: list[datetime] = []
        for k, step in _entries(history.get("steps")):
            if isinstance(step, dict):
                self.step(step, ("history", "steps", k), k, materials, times)
        return times[0] if times else None

    def step(
        self,
        step: dict[Any, Any],
        loc: Loc,
        k: int,
        materials: set[str] | None,
        times: list[datetime],
    ) -> None:
        if (k == 0) != (step.get("action") == "submit"):
            self.value(
                (*loc, "action") if "action" in step else loc,
                "第一步须为 submit（申报），且只能申报一次",
                "the first step must be submit, and only the first",
            )
        moment = _when(step.get("at"))
        if moment is not None and times and moment < times[-1]:
            self.value((*loc, "at"), "时间早于上一步", "earlier than the step before")
        if moment is not None:
            times.append(moment)
        for m, code in _texts(step.get("materials")):
            if materials is not None and code not in materials:
                found = _unknown("材料编码", "material code", code, materials)
                self.value((*loc, "materials", m), *found)
        if isinstance(step.get("rule"), str):
            self.rule_id(step["rule"], (*loc, "rule"))
        stop_type = step.get("stop_type")
        if isinstance(stop_type, str) and stop_type not in self.catalogue.stop_types:
            found = _unknown("中止类型", "stop type", stop_type, self.catalogue.stop_types)
            self.value((*loc, "stop_type"), *found)

    def moments(self, moments: Any, first: datetime | None) -> None:
        for m, moment in _entries(moments):
            if not isinstance(moment, dict):
                continue
            loc = ("as_of", m)
            at = _when(moment.get("at"))
            if at is not None and first is not None and at < first:
                self.value((*loc, "at"), "时刻早于申报", "the moment is before the submission")
            for n, expected in _entries(moment.get("alerts")):
                self.alert(expected, (*loc, "alerts", n))
            self.rule_ids(moment.get("absent"), (*loc, "absent"))

    def alert(self, expected: Any, loc: Loc) -> None:
        entry = {"rule": expected} if isinstance(expected, str) else expected
        if not isinstance(entry, dict) or not isinstance(entry.get("rule"), str):
            return
        rule_id = entry["rule"]
        if not self.rule_id(rule_id, (*loc, "rule") if entry is expected else loc):
            return
        level = self.rules[rule_id].level
        if isinstance(entry.get("level"), str) and entry["level"] != level:
            self.value(
                (*loc, "level"),
                f"规则 {rule_id} 的级别是 {level}",
                f"rule {rule_id} has level {level}",
            )


def _value_fault(
    field: FactField, value: Any, codes: Mapping[str, frozenset[str]]
) -> tuple[str, str] | None:
    if field.type == "list":
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return None
        return (
            f"字段 {field.name} 应为文本列表，如 [A, B]（空列表写 []）",
            f"field {field.name} takes a list of texts, like [A, B] (empty: [])",
        )
    if value is None:
        return (
            f"字段 {field.name} 不能为空值；要让事实缺少该字段，请不写它",
            f"field {field.name} cannot be null; leave it out to make it absent",
        )
    return (
        type_fault(field, value) or range_fault(field, value) or choice_fault(field, value, codes)
    )


def _unknown(zh: str, en: str, name: str, known: Iterable[str]) -> tuple[str, str]:
    hint = suggest(name, list(known))
    if hint:
        return f"未知{zh} {name}，是否应为 {hint}？", f"unknown {en} {name}; did you mean {hint}?"
    return f"未知{zh} {name}", f"unknown {en} {name}"


# The figures of a unit an evaluation test may give, and their types (statistics.Row).
FIGURES: dict[str, Any] = {
    name: hint for name, hint in get_type_hints(Row).items() if name not in ("key", "name_zh")
}


def figure_fault(name: Any, value: Any) -> tuple[str, str] | None:
    """Why `value` cannot be the figure `name` of a unit, or None."""
    if name not in FIGURES:
        return _unknown("统计数字", "figure", str(name), FIGURES)
    try:
        TypeAdapter(FIGURES[name]).validate_python(value, strict=True)
    except ValidationError:
        return (f"统计数字 {name} 的值无效", f"figure {name} has an invalid value")
    if isinstance(value, int | float) and value < 0:
        return (f"统计数字 {name} 不能为负数", f"figure {name} must not be negative")
    return None
