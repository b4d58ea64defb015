"""`sunlight rules check` and `sunlight rules schema`."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from api.cli_rules import rules
from supervisor.policy.pending import pending_bases
from supervisor.policy.value import load_policy
from tests.conftest import RULES
from tests.supervisor.policy.support import RulesDir


def test_check_passes_on_the_shipped_rules(runner: CliRunner) -> None:
    policy = load_policy(RULES, "python")  # the version a reload of these files would get
    ruleset = policy.ruleset
    result = runner.invoke(rules, ["check", str(RULES)])
    assert result.exit_code == 0, result.output
    ok, blank, title, *table = result.stdout.splitlines()
    assert ok == (
        f"规则检查通过：{len(ruleset.rules)} 条规则，版本 {ruleset.version} / "
        f"rules OK: {len(ruleset.rules)} rules, version {ruleset.version}"
    )
    assert (blank, title) == ("", "谁会收到通知 / Who is told:")
    assert [line.split()[0] for line in table] == [rule.id for rule in ruleset.rules]
    red = next(line for line in table if line.startswith("  TIME-RED "))
    assert red.startswith("  TIME-RED 红牌：负责人、监察室（")
    assert "/ red: head, supervision office (" in red
    # Every rule reaches someone: the only warnings are the bases still to verify (待核).
    pending = pending_bases(RULES)
    assert result.stderr.splitlines() == [
        f"警告 / warning: {len(pending)} 处依据仍为待核（上线前须对照官方文本核对）/ "
        f"{len(pending)} legal basis mark(s) still 待核 (to verify against the official text "
        "before going live):",
        *(f"  待核 / to verify: {entry.render()}" for entry in pending),
    ]
    default = runner.invoke(rules, ["check"])  # the rules directory of the settings
    assert default.exit_code == 0
    assert default.stdout == result.stdout
    quiet = runner.invoke(rules, ["check", "--quiet-audience"])
    assert (quiet.exit_code, quiet.stdout) == (0, ok + "\n")


def test_check_lists_the_bases_still_to_verify(runner: CliRunner, rules_copy: RulesDir) -> None:
    before = pending_bases(rules_copy.dir)
    # The shipped files keep what docs/DOMAIN.md (section 7) could not confirm, each saying
    # what is missing.
    assert len(before) >= 20
    assert all("待核" in entry.text for entry in before)
    entries = {entry.entry for entry in before}
    assert {"TIME-RED", "APPRAISER-PRACTICE", "ARBITRATION-ESTABLISH", "supplement"} <= entries
    assert "LAWYER-PRACTICE" not in entries  # 律师法 Art. 6 and 令第134号 Art. 10 confirmed
    # Settling one (the confirmed article replaces the mark) removes it from the list...
    rules_copy.replace(
        "procedure.yaml",
        "本省行政审批办理规范（环节回退须说明理由；待核：本省规范的名称与条号未找到）",
        "《江西省行政审批办理规范》第十二条",
    )
    # ...and a new doubtful basis is listed with its file, line and rule.
    rules_copy.replace(
        "procedure.yaml",
        "《中华人民共和国行政许可法》第八条第一款、第四十九条",
        "《中华人民共和国行政许可法》第八条第一款、第四十九条（待核：第二款）",
    )
    result = runner.invoke(rules, ["check", str(rules_copy.dir), "--quiet-audience"])
    assert result.exit_code == 0, result.output
    warnings = result.stderr.splitlines()
    assert warnings[0].startswith(f"警告 / warning: {len(before)} 处依据仍为待核")
    assert not any("PROC-RETURN-NO-REASON" in w for w in warnings)
    line = rules_copy.line("procedure.yaml", "（待核：第二款）").rsplit(":", 1)[1]
    assert (
        f"  待核 / to verify: procedure.yaml:{line} [PROC-CHANGE-AFTER-CONCLUSION] "
        in "\n".join(warnings)
    )


def test_check_warns_of_a_rule_that_reaches_nobody(runner: CliRunner, rules_copy: RulesDir) -> None:
    rules_copy.replace("notifications.yaml", "levels: [anomaly]", "levels: [anomaly], items: [X]")
    rules_copy.replace(
        "notifications.yaml", "when: {rules: [TIME-STEP-OVER]}", "when: {rules: [TIME-YELLOW]}"
    )
    broken = runner.invoke(rules, ["check", "rules"])
    assert broken.exit_code == 1  # item X does not exist: a problem, not a warning
    assert "未知的编码 X" in broken.stderr
    rules_copy.replace("notifications.yaml", "items: [X]", "items: [LAWYER-PRACTICE]")
    result = runner.invoke(rules, ["check", "rules", "--quiet-audience"])
    assert result.exit_code == 0, result.output
    assert "谁会收到通知" not in result.stdout
    warnings = result.stderr.splitlines()
    source = rules_copy.line("timeliness.yaml", "- id: TIME-STEP-OVER")
    assert warnings[0] == (
        f"警告 / warning: {source}: TIME-STEP-OVER（预警）没有匹配的通知路由，不会告知任何人 / "
        "TIME-STEP-OVER (warning): no notification route matches it, nobody is told"
    )
    fee = [w for w in warnings if "FEE-FREE-ITEM-CHARGED" in w]
    assert len(fee) == 1
    assert "只在路由限定的事项或部门中告知，其余情况不会告知任何人" in fee[0]


def test_check_lists_every_problem_with_its_position(
    runner: CliRunner, rules_copy: RulesDir
) -> None:
    rules_copy.replace("procedure.yaml", "{field: reviews, eq: 0}", "{field: reviwes, eq: 0}")
    rules_copy.replace("fees.yaml", "level: anomaly", "level: anomoly", after="FEE-ABOVE")
    rules_copy.replace("calendar.yaml", "overrides: []", "overides: []")
    result = runner.invoke(rules, ["check", "rules"])
    assert result.exit_code == 1
    problems = result.stderr.splitlines()
    assert problems[-1] == "共 3 个问题，规则未通过检查 / 3 problem(s): rules refused"
    calendar = rules_copy.at("calendar.yaml", "overides")
    assert f"{calendar}: 未知字段 overides，是否应为 overrides？" in problems[0]
    problems = problems[1:]
    field = rules_copy.at("procedure.yaml", "reviwes")
    level = rules_copy.at("fees.yaml", "level: anomoly")
    assert problems[0].startswith(f"{level}: 字段 level 必须是以下之一")
    assert problems[1] == (
        f"{field}: 未知事实字段 reviwes，是否应为 reviews？ / "
        "unknown fact field reviwes; did you mean reviews?"
    )
    assert "规则检查通过" not in result.output


def test_schema_is_json_schema_naming_the_catalogue(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(rules, ["schema"])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert "LAWYER-PRACTICE" in result.stdout  # item codes come from the catalogue
    out = tmp_path / "rules.schema.json"
    written = runner.invoke(rules, ["schema", "--output", str(out)])
    assert written.exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8")) == schema
    assert written.stdout == ""
