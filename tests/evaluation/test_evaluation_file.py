"""rules/evaluation.yaml is checked like every rule file: a faulty one refuses the whole policy
with every fault as "rules/evaluation.yaml:line:column: 中文 / English"; its rule tests (kind
`evaluation`) run with `sunlight rules test` and fail naming the line of what did not match."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from approval_core.errors import ConfigError
from supervisor.evaluation.measures import MEASURES
from supervisor.policy.ruletests import run_rule_tests
from supervisor.policy.value import load_policy
from tests.conftest import RULES

KNOWN = ", ".join(MEASURES)
# Line numbers matter below: they are the ones the messages must name.
FAULTY = """\
scored:
  units: [department, handler]
indicators:
  - code: ON-TIME
    measure: on_time_rat
    weight: 60
    direction: higher
    scale: {full: 100, zero: 70}
    explain_zh: 按时
    explain_en: on time
  - code: ON-TIME
    measure: late_rate
    weight: 30
    direction: lower
    scale: {full: 20, zero: 0}
    explain_zh: 超期
    explain_en: late
  - code: FAST
    measure: average_days
    weight: 10
    direction: lower
    explain_zh: 快
    explain_en: fast
grades:
  优秀: 80
  良好: 85
  合格: 60
  不合格: 0
"""


@pytest.fixture
def rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of rules/ at tmp_path/rules, tmp_path the working directory (messages name
    "rules/evaluation.yaml")."""
    shutil.copytree(RULES, tmp_path / "rules")
    monkeypatch.chdir(tmp_path)
    return Path("rules")


def refused(rules: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_policy(rules, "python")
    return list(caught.value.problems)


def test_every_fault_of_the_file_with_its_line(rules: Path) -> None:
    (rules / "evaluation.yaml").write_text(FAULTY, encoding="utf-8")
    # The weights (60 + 30 + 10) add up to 100: every other part has a fault.
    assert refused(rules) == [
        f"rules/evaluation.yaml:5:5: 未知的计量项 on_time_rat，是否应为 on_time_rate？（可用："
        f"{KNOWN}） / unknown measure on_time_rat; did you mean on_time_rate? (known: {KNOWN})",
        "rules/evaluation.yaml:11:5: 指标代码 ON-TIME 重复（首次为第 1 项） / duplicate "
        "indicator code ON-TIME (first at entry 1)",
        "rules/evaluation.yaml:15:5: direction 为 lower，scale 的 full 须小于 zero / with "
        "direction lower, scale full must be below zero",
        "rules/evaluation.yaml:18:5: 指标须写 target（达标值，达到得满分，否则 0 分）或 scale"
        "（full 满分值、zero 零分值）之一 / an indicator needs exactly one of target (full points "
        "when reached, else 0) or scale (full: the value worth full points, zero: the value "
        "worth none)",
        "rules/evaluation.yaml:25:3: 等级分数线须从高到低：优秀（80）须高于 良好（85） / grade "
        "thresholds must go down: 优秀 (80) must be above 良好 (85)",
    ]


def test_weights_not_adding_up_and_unknown_keys(rules: Path) -> None:
    path = rules / "evaluation.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("weight: 30", "weight: 25", 1).replace("不合格: 0", "不合格: 0\nscore: 1")
    path.write_text(text, encoding="utf-8")
    line = text[: text.index("\nindicators:")].count("\n") + 2
    problems = refused(rules)
    assert (
        f"rules/evaluation.yaml:{line}:1: 各指标权重之和须为 100，现为 95 / the weights of the "
        "indicators must add up to 100, not 95"
    ) in problems
    assert any(
        p.startswith("rules/evaluation.yaml:") and "未知字段 score" in p for p in problems
    ), problems


def test_a_full_width_colon(rules: Path) -> None:
    path = rules / "evaluation.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("min_concluded: 1", "min_concluded： 1"), encoding="utf-8")
    line = text[: text.index("min_concluded: 1")].count("\n") + 1
    problems = refused(rules)
    assert len(problems) == 1
    assert problems[0].startswith(f"rules/evaluation.yaml:{line}:")
    assert f"第 {line} 行使用了全角冒号" in problems[0]


def test_thresholds_out_of_order_and_fail_above_zero(rules: Path) -> None:
    path = rules / "evaluation.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("合格: 60", "合格: 85").replace("不合格: 0", "不合格: 10"))
    line = text[: text.index("  合格: 60")].count("\n") + 1
    problems = refused(rules)
    assert problems == [
        f"rules/evaluation.yaml:{line - 1}:3: 等级分数线须从高到低：良好（80）须高于 合格（85）"
        " / grade thresholds must go down: 良好 (80) must be above 合格 (85)",
        f"rules/evaluation.yaml:{line + 1}:3: 不合格 须从 0 分起 / 不合格 (fail) must start at 0",
    ]


def test_the_shipped_evaluation_tests_pass(rules: Path) -> None:
    found = run_rule_tests(rules, rules / "tests")
    assert found.problems == ()
    scored = [r for r in found.results if r.kind == "evaluation"]
    assert len(scored) == 6
    assert all(r.passed for r in scored), [r.failures for r in scored]


def test_a_wrong_expectation_fails_naming_its_line(rules: Path) -> None:
    path = rules / "tests" / "evaluation.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("score: 85.33", "score: 85.34"), encoding="utf-8")
    line = text[: text.index("score: 85.33")].count("\n") + 1
    start = text[: text.rindex("- figures", 0, text.index("score: 85.33"))].count("\n") + 1
    found = run_rule_tests(rules, rules / "tests")
    failed = [r for r in found.results if not r.passed]
    assert [r.name for r in failed] == ["一件超期一日的部门为良好 / one case a day late is good"]
    assert failed[0].failures == (
        f"评分 #1 / score #1（rules/tests/evaluation.yaml:{start}）",
        "  总分 / score: 期望 expected 85.34，实际 got 85.33",
    )
    assert line > start


def test_faulty_evaluation_tests_are_refused_with_file_line(rules: Path) -> None:
    path = rules / "tests" / "evaluation.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("concluded_early: 16", "concluded_erly: 16", 1)
    text = text.replace("points: {ON-TIME: 100, EARLY: 0,", "points: {ONTIME: 100, EARLY: 0,", 1)
    text = text.replace("grade: 合格", "grade: 中等", 1)
    path.write_text(text, encoding="utf-8")
    found = run_rule_tests(rules, rules / "tests")
    assert found.results == ()
    lines = {
        p.split(":")[1]: p for p in found.problems if p.startswith("rules/tests/evaluation.yaml")
    }
    erly = str(text[: text.index("concluded_erly")].count("\n") + 1)
    assert "未知统计数字 concluded_erly，是否应为 concluded_early？" in lines[erly]
    ontime = str(text[: text.index("ONTIME")].count("\n") + 1)
    assert "未知指标代码 ONTIME，是否应为 ON-TIME？" in lines[ontime]
    grade = str(text[: text.index("grade: 中等")].count("\n") + 1)
    assert "grade" in lines[grade]
    assert len(found.problems) == 3
