"""The ladder's gap and overlap checks, and the cap on rules per rule set (durable-rules: 512)."""

from __future__ import annotations

import pytest

from approval_core.catalogue import load_catalogue
from supervisor.rulebook import MAX_RULES, load_rulebook
from tests.supervisor.rulebook.support import RuleFiles, only_problem

TIME = "timeliness.yaml"
QUOTED_5 = '"5"'
THRESHOLDS = "ladder parameters (warning_days, yellow_overdue_days, red_overdue_days) or 0"


def test_a_gap_between_warning_and_yellow(rules: RuleFiles) -> None:
    rules.replace(TIME, "yellow_overdue_days: 1", "yellow_overdue_days: 3")
    assert only_problem(rules) == (
        f"{rules.at(TIME, 'yellow_overdue_days: 3')}: 预警与黄牌之间有空档：超期 1 至 2 个工作日的"
        "案件既无预警也无黄牌；yellow_overdue_days 须为 1 / gap between warning and yellow: a "
        "case 1 to 2 working days overdue gets neither a warning nor a yellow card; "
        "yellow_overdue_days must be 1"
    )


def test_yellow_overlapping_warning(rules: RuleFiles) -> None:
    rules.replace(TIME, "yellow_overdue_days: 1", "yellow_overdue_days: 0")
    assert only_problem(rules) == (
        f"{rules.at(TIME, 'yellow_overdue_days: 0')}: 黄牌与预警重叠：yellow_overdue_days 为 0 "
        "时，到期当日尚未超期的案件既预警又亮黄牌；须为 1 / yellow overlaps warning: with "
        "yellow_overdue_days 0 a case on its due date, not yet overdue, gets both a warning "
        "and a yellow card; it must be 1"
    )


@pytest.mark.parametrize("red", [1, 0])
def test_red_overlapping_yellow(rules: RuleFiles, red: int) -> None:
    rules.replace(TIME, "red_overdue_days: 5", f"red_overdue_days: {red}")
    assert only_problem(rules) == (
        f"{rules.at(TIME, f'red_overdue_days: {red}')}: 红牌与黄牌重叠：red_overdue_days（{red}）"
        "须大于 yellow_overdue_days（1），否则黄牌区间为空 / red overlaps yellow: "
        f"red_overdue_days ({red}) must be greater than yellow_overdue_days (1), or the yellow "
        "band is empty"
    )


def test_no_warning_band(rules: RuleFiles) -> None:
    rules.replace(TIME, "warning_days: 3", "warning_days: 0")
    assert only_problem(rules) == (
        f"{rules.at(TIME, 'warning_days: 0')}: 预警阈值 warning_days 为 0：须至少为 1（到期前至少 "
        "1 个工作日预警） / warning_days is 0: it must be at least 1 (warn at least 1 working "
        "day ahead)"
    )


def test_every_ladder_fault_at_once(rules: RuleFiles) -> None:
    rules.replace(TIME, "warning_days: 3", "warning_days: -1")
    rules.replace(TIME, "yellow_overdue_days: 1", "yellow_overdue_days: 6")
    rules.replace(TIME, "red_overdue_days: 5", "red_overdue_days: 6")
    rules.replace(TIME, "yellow_response_days: 3", "yellow_response_days: 0")
    found = rules.problems()
    assert [m.split(": ")[0] for m in found] == [
        rules.at(TIME, "warning_days: -1"),
        rules.at(TIME, "yellow_overdue_days: 6"),
        rules.at(TIME, "red_overdue_days: 6"),
        rules.at(TIME, "yellow_response_days: 0"),
        rules.at(TIME, "0", after="yellow_response_days: "),  # as TIME-YELLOW's response_days
    ]
    assert "字段 yellow_response_days 必须是正整数" in found[3]
    assert "回告期限 response_days 须为正整数" in found[4]


def test_a_threshold_that_is_not_a_number(rules: RuleFiles) -> None:
    rules.replace(TIME, "red_overdue_days: 5", 'red_overdue_days: "5"')
    assert rules.problems() == [
        f"{rules.at(TIME, 'red_overdue_days', after='ladder:')}: 字段 red_overdue_days 必须是整数 "
        "/ field red_overdue_days must be an integer",
        f"{rules.at(TIME, QUOTED_5)}: 参数 red_overdue_days：字段 overdue "
        '应为整数，这里写的是文本 "5"（数字不要加引号） / parameter red_overdue_days: field '
        'overdue takes an integer, not the text "5" (no quotes on numbers)',
    ]


def test_ladder_thresholds_cannot_be_bypassed(rules: RuleFiles) -> None:
    rules.replace(TIME, "lte: {param: warning_days}", "lte: 5")
    rules.replace(
        TIME, "lt: {param: red_overdue_days}}", "lt: {param: later}}\n      params: {later: 9}"
    )
    rules.replace(TIME, "cause_field: step", "cause_field: step\n      params: {warning_days: 2}")
    found = rules.problems()
    assert found == [
        f"{rules.at(TIME, '5}', after='remaining, lte: ')}: 时效阶梯中 remaining 的阈值须写成 "
        "ladder 中的参数（warning_days, yellow_overdue_days, red_overdue_days）或 0，以便检查"
        "预警、黄牌、红牌之间的空档与重叠 / in the ladder, thresholds on remaining must be "
        f"{THRESHOLDS}, so that gaps and overlaps between warning, yellow and red can be checked",
        f"{rules.at(TIME, 'warning_days: 2}')}: 参数 warning_days 与 ladder 中的阈值同名；"
        "阶梯阈值只能在 ladder 中修改 / parameter warning_days has the name of a ladder "
        "threshold; change it in ladder",
        f"{rules.at(TIME, '{param: later}')}: 时效阶梯中 overdue 的阈值须写成 ladder 中的参数"
        "（warning_days, yellow_overdue_days, red_overdue_days）或 0，以便检查预警、黄牌、红牌"
        f"之间的空档与重叠 / in the ladder, thresholds on overdue must be {THRESHOLDS}, so that "
        "gaps and overlaps between warning, yellow and red can be checked",
    ]


def _rule(index: int) -> str:
    return (
        f"  - id: PROC-GENERATED-{index}\n"
        f"    title_zh: 生成的规则 {index}\n"
        f"    title_en: Generated rule {index}\n"
        "    level: anomaly\n"
        f"    when: {{field: reviews, eq: {index % 100}}}\n"
        "    legal_basis: 测试\n"
        "    concerns: [supervisor]\n"
        "    message_zh: 测试\n"
        "    message_en: test\n"
    )


def _generate(rules: RuleFiles, total: int) -> None:
    """procedure.yaml replaced by generated rules, so that all files hold `total` rules."""
    shipped = load_rulebook(rules.dir, load_catalogue(rules.dir)).rules
    others = sum(1 for rule in shipped if "procedure.yaml:" not in rule.source)
    count = total - others
    text = "rules:\n" + "".join(_rule(i) for i in range(1, count + 1))
    rules.path("procedure.yaml").write_text(text, encoding="utf-8")


def test_the_rule_set_holds_400_rules(rules: RuleFiles) -> None:
    _generate(rules, MAX_RULES)
    assert len(load_rulebook(rules.dir, load_catalogue(rules.dir)).rules) == 400


def test_the_401st_rule_is_refused(rules: RuleFiles) -> None:
    _generate(rules, MAX_RULES + 1)
    # Counted in the order timeliness, procedure, fees: the 401st is the last fee rule.
    assert only_problem(rules) == (
        f"{rules.at('fees.yaml', 'id: FEE-NOT-IN-CATALOGUE')}: 规则共 401 条，超过一个规则集的"
        "上限 400 条（规则引擎在 512 条时失效），自此条起超出 / 401 rules: more than the 400 one "
        "rule set may hold (the engine fails at 512); the excess starts here"
    )
