"""The rule-test runner behind `sunlight rules test` (the idea of `promtool test rules`).

`run_rule_tests` checks the rule files, loads the tests of a directory (see `testfile.py` for
the format; any fault in any file stops everything, with file:line:column), then runs each test
with both evaluators and counts rule coverage; evaluation tests score their figures by
rules/evaluation.yaml (`supervisor/evaluation/scoring.py`). It returns data; the command line
prints it.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from approval_core.context import CoreDeps
from approval_core.errors import ConfigError
from supervisor.evaluation.schemas import EvaluationRules
from supervisor.evaluation.scoring import score_unit
from supervisor.evaluation.statistics import Row
from supervisor.policy.dual import Coverage, DualSupervisor
from supervisor.policy.history import run_history
from supervisor.policy.testcheck import LoadedTest, load_tests
from supervisor.policy.testfile import NOT_GRADED
from supervisor.policy.value import build_policy, read_files

RECORD_KEY = "sunlight-rule-tests"  # key of the records on the throwaway databases


@dataclass(frozen=True)
class RuleTestResult:
    name: str
    where: str  # file:line of the test
    kind: str  # "facts", "history" or "evaluation"
    failures: tuple[str, ...]  # lines saying what went wrong; empty when the test passed

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass(frozen=True)
class RuleCoverage:
    rule_id: str
    level: str
    fired: int
    silent: int

    @property
    def covered(self) -> bool:
        return self.fired > 0 and self.silent > 0


@dataclass(frozen=True)
class RuleTestReport:
    problems: tuple[str, ...] = ()  # faults of the rule or test files: then nothing ran
    version: str = ""
    results: tuple[RuleTestResult, ...] = ()
    coverage: tuple[RuleCoverage, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.problems and all(r.passed for r in self.results)

    @property
    def uncovered(self) -> list[RuleCoverage]:
        return [c for c in self.coverage if not c.covered]


def run_rule_tests(rules_dir: Path, tests_dir: Path) -> RuleTestReport:
    """Check the rules of `rules_dir`, then run the tests of `tests_dir` against them."""
    try:
        policy = build_policy(read_files(rules_dir), "dual", str(rules_dir))
    except ConfigError as exc:  # every problem of every file, the calendar's included
        return RuleTestReport(problems=tuple(exc.problems))
    sup = DualSupervisor(policy)
    deps = policy.deps(RECORD_KEY)
    try:
        tests, problems = load_tests(tests_dir, sup.ruleset, deps.catalogue, policy.evaluation)
        if problems:
            return RuleTestReport(problems=tuple(problems))
        coverage = Coverage.of(sup.ruleset)
        with tempfile.TemporaryDirectory(prefix="sunlight-rule-tests-") as workdir:
            results = tuple(
                _run(test, sup, deps, coverage, Path(workdir) / f"case-{n}.sqlite3")
                if test.spec.evaluation is None or policy.evaluation is None
                else _run_scores(test, policy.evaluation)
                for n, test in enumerate(tests)
            )
    finally:
        sup.close()
    table = tuple(
        RuleCoverage(r.id, r.level, coverage.fired[r.id], coverage.silent[r.id])
        for r in sup.ruleset.rules
    )
    return RuleTestReport(version=sup.ruleset.version, results=results, coverage=table)


def _run(
    test: LoadedTest, sup: DualSupervisor, deps: CoreDeps, coverage: Coverage, database: Path
) -> RuleTestResult:
    sup.verdicts.clear()
    if test.spec.history is not None:
        failures = run_history(test, sup, deps, database)
        for verdict in sup.verdicts:
            coverage.add(verdict.fact, verdict.python)
        kind = "history"
    else:
        failures = _run_facts(test, sup, coverage)
        kind = "facts"
    failures += [v.disagreement() for v in sup.verdicts if not v.agree]
    return RuleTestResult(test.spec.name, test.where(), kind, tuple(failures))


def _run_facts(test: LoadedTest, sup: DualSupervisor, coverage: Coverage) -> list[str]:
    failures: list[str] = []
    spec = test.spec
    for j, case in enumerate(spec.facts or ()):
        fact = {**spec.base, **case.fact}
        verdict = sup.both(fact)
        coverage.add(fact, verdict.python, case.expect_absent or ())
        got = list(verdict.python)
        missing = [r for r in case.expect or () if r not in got]
        unexpected = [r for r in got if case.expect is not None and r not in case.expect]
        unexpected += [r for r in got if r in (case.expect_absent or ()) and r not in unexpected]
        if not missing and not unexpected:
            continue
        failures.append(f"事实 #{j + 1} / fact #{j + 1}（{test.where('facts', j)}）")
        if case.expect is not None:
            failures.append(f"  期望触发 / expected: {_ids(case.expect)}")
        if case.expect_absent:
            failures.append(f"  不得触发 / must not fire: {_ids(case.expect_absent)}")
        failures.append(f"  实际触发 / got: {_ids(got)}")
        if missing:
            failures.append(f"  缺少（应触发而未触发）/ missing: {_ids(missing)}")
        if unexpected:
            failures.append(f"  多余（不应触发却触发）/ unexpected: {_ids(unexpected)}")
    return failures


def _ids(ids: list[str]) -> str:
    return ", ".join(ids) if ids else "（无 / none）"


def _run_scores(test: LoadedTest, rules: EvaluationRules) -> RuleTestResult:
    failures: list[str] = []
    for j, case in enumerate(test.spec.evaluation or ()):
        row = Row(key=case.key, name_zh=None, **case.figures)
        got = score_unit(row, rules)
        wrong: list[str] = []
        if case.score is not None and not _close(got.score, case.score):
            shown = _shown(got.score)
            wrong.append(f"  总分 / score: 期望 expected {case.score:g}，实际 got {shown}")
        grade = got.grade or NOT_GRADED
        if case.grade is not None and grade != case.grade:
            wrong.append(f"  等级 / grade: 期望 expected {case.grade}，实际 got {grade}")
        points = {part.code: part.points for part in got.indicators}
        for code, expected in case.points.items():
            if not _close(points.get(code), expected):
                wrong.append(
                    f"  {code} 得分 / points: 期望 expected {expected:g}，"
                    f"实际 got {_shown(points.get(code))}"
                )
        if wrong:
            failures.append(f"评分 #{j + 1} / score #{j + 1}（{test.where('evaluation', j)}）")
            failures += wrong
    return RuleTestResult(test.spec.name, test.where(), "evaluation", tuple(failures))


def _close(got: float | None, expected: float) -> bool:
    """Equal to the 2 decimals scores are shown with."""
    return got is not None and abs(got - expected) < 0.005


def _shown(value: float | None) -> str:
    return "不评定 / not graded" if value is None else f"{value:g}"
