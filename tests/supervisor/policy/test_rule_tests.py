"""`sunlight rules test [--coverage]`: the shipped tests pass with full coverage; failures,
disagreements, missing coverage and malformed test files are reported and exit 1."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from api.cli_rules import rules
from supervisor.engine import DurableEngine
from supervisor.policy.value import Policy
from tests.conftest import RULES
from tests.supervisor.policy.support import RulesDir

WARNING_TESTS = """\
- name: 预警测试 / warning test
  base: {subject: case, event: sweep, running: true}
  facts:
    - fact: {remaining: 4}
      expect: [TIME-WARNING]
    - fact: {remaining: 3}
      expect: []
    - fact: {remaining: 2}
      expect_absent: [TIME-WARNING]
    - fact: {remaining: 3}
      expect: [TIME-WARNING]
"""
DAY, EARLIER, BEFORE = '"2026-03-02"', '"2026-03-02 09:00"', '"2026-03-01 09:00"'

BROKEN = """\
- name: 坏测试 / broken
  facts:
    - fact: {remaning: 3, running: "true", event: acept}
      expct: [TIME-WARNING]
    - fact: {remaining: 3}
      expect: [TIME-WARNIN]
- name: 坏过程 / broken history
  history:
    item: LAWYER-PRACTIS
    steps:
      - {at: "2026-03-02", action: register, as: clerk}
  as_of:
    - {at: "2026-03-03 09:00", alerts: [{rule: TIME-YELLOW, level: red}]}
"""


def _only_tests(rules_copy: RulesDir, name: str, text: str) -> None:
    """Replace the shipped tests by one file."""
    for path in (rules_copy.dir / "tests").glob("*.yaml"):
        path.unlink()
    rules_copy.write(f"tests/{name}", text)


def test_shipped_tests_pass_with_full_coverage(runner: CliRunner, policy: Policy) -> None:
    result = runner.invoke(rules, ["test", str(RULES), "--coverage"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert not [line for line in lines if line.startswith("✗")]
    summary = next(line for line in lines if line.startswith("共 "))
    assert "失败 0" in summary
    n = len(policy.ruleset.by_id())  # every shipped rule
    assert f"覆盖 {n}/{n} 条规则 / {n} of {n} rules covered" in lines
    for rule_id in ("TIME-WARNING", "TIME-RED", "PROC-ACCEPT-INCOMPLETE", "FEE-ABOVE-STANDARD"):
        row = next(line for line in lines if line.startswith(rule_id + " "))
        fired, silent = (int(n) for n in row.split()[2:4])
        assert fired >= 1
        assert silent >= 1
        assert row.endswith("✓")
    history = next(line for line in lines if "时效阶梯" in line)
    assert history.startswith("✓")
    assert "rules/tests/history.yaml" in history


def test_a_failing_test_shows_expected_and_got(runner: CliRunner, rules_copy: RulesDir) -> None:
    _only_tests(rules_copy, "warning.yaml", WARNING_TESTS)
    result = runner.invoke(rules, ["test", "rules"])
    assert result.exit_code == 1
    out = result.stdout
    assert "✗ 预警测试 / warning test（rules/tests/warning.yaml:1）" in out
    # expecting a rule that stays silent
    first = rules_copy.line("tests/warning.yaml", "{remaining: 4}")
    assert f"事实 #1 / fact #1（{first}）" in out
    assert "  缺少（应触发而未触发）/ missing: TIME-WARNING" in out
    # expecting silence where the rule fires, with expect and with expect_absent
    assert f"事实 #2 / fact #2（{rules_copy.line('tests/warning.yaml', '{remaining: 3}')}）" in out
    assert out.count("多余（不应触发却触发）/ unexpected: TIME-WARNING") == 2
    assert "不得触发 / must not fire: TIME-WARNING" in out
    assert "事实 #4" not in out  # the right expectation passes
    assert "期望触发 / expected: （无 / none）" in out
    assert "实际触发 / got: TIME-WARNING" in out
    assert "规则测试未通过 / rule tests failed" in result.stderr


def test_a_history_test_reports_the_alerts_it_missed(
    runner: CliRunner, rules_copy: RulesDir
) -> None:
    _only_tests(
        rules_copy,
        "late.yaml",
        """\
- name: 过早期待黄牌 / yellow expected too early
  history:
    item: LAWYER-PRACTICE
    steps:
      - {at: "2026-03-02 09:00", action: submit, as: applicant}
      - {at: "2026-03-02 09:10", action: register, as: clerk}
      - {at: "2026-03-02 09:20", action: accept, as: clerk}
  as_of:
    - at: "2026-04-14 12:00"
      alerts: [TIME-YELLOW]
    - at: "2026-04-15 12:00"
      alerts: [TIME-YELLOW]
      absent: [TIME-WARNING]
""",
    )
    result = runner.invoke(rules, ["test", "rules"])
    assert result.exit_code == 1
    moment = rules_copy.line("tests/late.yaml", 'at: "2026-04-14 12:00"')
    assert f"as_of 2026-04-14 12:00（{moment}）" in result.stdout
    assert "缺少 / missing: TIME-YELLOW(有效 / active)" in result.stdout
    assert "多余 / unexpected: TIME-WARNING(open)" in result.stdout
    assert "as_of 2026-04-15" not in result.stdout  # right then: yellow, warning resolved


def test_a_refused_step_fails_the_test_with_its_line(
    runner: CliRunner, rules_copy: RulesDir
) -> None:
    _only_tests(
        rules_copy,
        "refused.yaml",
        """\
- name: 未受理即承办 / handled before acceptance
  history:
    item: LAWYER-PRACTICE
    steps:
      - {at: "2026-03-02 09:00", action: submit, as: applicant}
      - {at: "2026-03-02 09:10", action: handle, as: handler}
  as_of:
    - {at: "2026-03-03 09:00", alerts: []}
""",
    )
    result = runner.invoke(rules, ["test", "rules"])
    assert result.exit_code == 1
    where = rules_copy.line("tests/refused.yaml", "action: handle")
    assert f"第 2 步 handle 被拒绝（{where}）：案件当前状态为 已申报（submitted）" in result.stdout


def test_evaluators_that_disagree_fail_the_test(
    runner: CliRunner, rules_copy: RulesDir, monkeypatch: pytest.MonkeyPatch
) -> None:
    _only_tests(
        rules_copy,
        "warning.yaml",
        WARNING_TESTS.split("    - fact: {remaining: 4}")[0]
        + "    - fact: {remaining: 3}\n      expect: [TIME-WARNING]\n",
    )
    evaluate = DurableEngine.evaluate

    def forgetful(self: DurableEngine, fact: dict[str, object]) -> list[str]:
        return [r for r in evaluate(self, fact) if r != "TIME-WARNING"]

    monkeypatch.setattr(DurableEngine, "evaluate", forgetful)
    result = runner.invoke(rules, ["test", "rules"])
    assert result.exit_code == 1
    assert (
        "两个求值器结果不一致 / the evaluators disagree (event sweep): "
        "durable-rules [] ≠ Python ['TIME-WARNING']"
    ) in result.stdout


def test_coverage_fails_when_a_rule_is_never_exercised(
    runner: CliRunner, rules_copy: RulesDir, policy: Policy
) -> None:
    text = rules_copy.text("tests/procedure.yaml")
    start = text.index("# 事前监察")
    rules_copy.write("tests/procedure.yaml", text[:start])  # drops the disclosure test
    plain = runner.invoke(rules, ["test", "rules"])
    assert plain.exit_code == 0, plain.output  # every remaining test passes
    result = runner.invoke(rules, ["test", "rules", "--coverage"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    row = next(line for line in lines if line.startswith("PROC-DISCLOSURE-INCOMPLETE "))
    assert row.split()[1:4] == ["anomaly", "0", "0"]
    assert row.endswith("✗")
    assert "从未触发 / never fired: PROC-DISCLOSURE-INCOMPLETE" in lines
    assert "从未在相关事实上静默 / never silent: PROC-DISCLOSURE-INCOMPLETE" in lines
    n = len(policy.ruleset.by_id())
    assert f"覆盖 {n - 1}/{n} 条规则 / {n - 1} of {n} rules covered" in lines
    assert "规则覆盖不足 / rule coverage incomplete" in result.stderr


def test_coverage_needs_a_silent_case_too(runner: CliRunner, rules_copy: RulesDir) -> None:
    rules_copy.replace(
        "tests/procedure.yaml",
        "    - fact: {subject: case, event: change_after_conclusion, state: concluded}\n"
        "      expect: [PROC-CHANGE-AFTER-CONCLUSION]\n",
        "",
    )
    result = runner.invoke(rules, ["test", "rules", "--coverage"])
    assert result.exit_code == 1
    assert "从未触发 / never fired: PROC-CHANGE-AFTER-CONCLUSION" in result.stdout


def test_a_malformed_test_file_is_reported_in_place(
    runner: CliRunner, rules_copy: RulesDir
) -> None:
    _only_tests(rules_copy, "broken.yaml", BROKEN)
    result = runner.invoke(rules, ["test", "rules", "--coverage"])
    assert result.exit_code == 1
    assert result.stdout == ""  # nothing ran
    problems = result.stderr.splitlines()
    file = "tests/broken.yaml"
    quoted = rules_copy.at(file, '"true"')
    expected = [
        f"{rules_copy.at(file, 'remaning')}: 未知事实字段 remaning，是否应为 remaining？",
        f'{quoted}: 字段 running 应为布尔值（true 或 false），这里写的是文本 "true"',
        f"{rules_copy.at(file, 'acept')}: 字段 event 没有取值 acept，是否应为 accept？",
        f"{rules_copy.at(file, 'expct')}: 未知字段 expct，是否应为 expect？",
        f"{rules_copy.at(file, 'TIME-WARNIN]')}: 未知规则编号 TIME-WARNIN，是否应为 TIME-WARNING？",
        f"{rules_copy.at(file, 'LAWYER-PRACTIS')}: 未知事项编码 LAWYER-PRACTIS，"
        "是否应为 LAWYER-PRACTICE？",
        f"{rules_copy.at(file, 'at: ' + DAY)}: 字段 at 须为北京时间的日期和时刻",
        f"{rules_copy.at(file, 'register')}: 第一步须为 submit（申报）",
        f"{rules_copy.at(file, 'red}')}: 规则 TIME-YELLOW 的级别是 yellow",
    ]
    for message in expected:
        assert any(p.startswith(message) for p in problems), (message, problems)
    assert problems[-1] == "共 9 个问题，测试未运行 / 9 problem(s): no test ran"


def test_history_faults_need_the_catalogue_and_the_rules(
    runner: CliRunner, rules_copy: RulesDir
) -> None:
    _only_tests(
        rules_copy,
        "history.yaml",
        """\
- name: 过程 / history
  history:
    item: LAWYER-PRACTIS
    steps:
      - {at: "2026-03-02 10:00", action: register, as: clerk, materials: [IDENTITI]}
      - {at: "2026-03-02 09:00", alert: respond, rule: TIME-YELOW, as: handler}
  as_of:
    - {at: "2026-03-01 09:00", alerts: [{rule: TIME-YELLOW, level: red}]}
""",
    )
    result = runner.invoke(rules, ["test", "rules"])
    assert result.exit_code == 1
    file = "tests/history.yaml"
    problems = result.stderr
    assert (
        f"{rules_copy.at(file, 'LAWYER-PRACTIS')}: 未知事项编码 LAWYER-PRACTIS，是否应为"
        in problems
    )
    assert f"{rules_copy.at(file, 'register')}: 第一步须为 submit（申报）" in problems
    assert f"{rules_copy.at(file, EARLIER)}: 时间早于上一步" in problems
    assert (
        f"{rules_copy.at(file, 'TIME-YELOW')}: 未知规则编号 TIME-YELOW，是否应为 TIME-YELLOW？"
        in problems
    )
    assert f"{rules_copy.at(file, 'red}')}: 规则 TIME-YELLOW 的级别是 yellow" in problems
    assert f"{rules_copy.at(file, BEFORE)}: 时刻早于申报" in problems


def test_a_missing_test_directory_is_a_problem(runner: CliRunner, rules_copy: RulesDir) -> None:
    result = runner.invoke(rules, ["test", "rules", "--tests", "rules/nowhere"])
    assert result.exit_code == 1
    assert "rules/nowhere:1:1: 找不到测试目录 / no such test directory" in result.stderr
    del rules_copy  # requested for its working directory
