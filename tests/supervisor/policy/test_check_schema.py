"""`sunlight rules check` and `sunlight rules schema`."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from api.cli_rules import rules
from approval_core.catalogue.service import load_catalogue
from supervisor.rulebook import load_rulebook
from tests.conftest import RULES
from tests.supervisor.policy.support import RulesDir


def test_check_passes_on_the_shipped_rules(runner: CliRunner) -> None:
    ruleset = load_rulebook(RULES, load_catalogue(RULES))
    result = runner.invoke(rules, ["check", str(RULES)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        f"规则检查通过：{len(ruleset.rules)} 条规则，版本 {ruleset.version} / "
        f"rules OK: {len(ruleset.rules)} rules, version {ruleset.version}"
    )
    default = runner.invoke(rules, ["check"])  # the rules directory of the settings
    assert default.exit_code == 0
    assert default.stdout == result.stdout


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
