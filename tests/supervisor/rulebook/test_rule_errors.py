"""Each kind of fault in a copy of the rule files is reported at file:line:column, all at once."""

from __future__ import annotations

import pytest

from approval_core.catalogue import load_catalogue
from approval_core.errors import ConfigError
from supervisor.rulebook import check_rulebook, load_rulebook
from tests.supervisor.rulebook.support import RuleFiles, only_problem

PROC = "procedure.yaml"
TIME = "timeliness.yaml"
FEES = "fees.yaml"
QUOTED_3 = "'3'"
RULES_SECTION = "\nrules:\n"


def test_an_unknown_field_gets_a_did_you_mean(rules: RuleFiles) -> None:
    rules.replace(PROC, "field: missing_materials_count, gt", "field: missing_material_count, gt")
    assert only_problem(rules) == (
        f"{rules.at(PROC, 'missing_material_count')}: 未知事实字段 missing_material_count，"
        "是否应为 missing_materials_count？ / unknown fact field missing_material_count; "
        "did you mean missing_materials_count?"
    )


def test_a_quoted_number_is_text(rules: RuleFiles) -> None:
    rules.replace(PROC, "before_acceptance, gte: 2}", 'before_acceptance, gte: "2"}')
    where = rules.at(PROC, '"2"')
    assert only_problem(rules) == (
        f"{where}: 字段 supplement_notices_before_acceptance 应为整数，"
        '这里写的是文本 "2"（数字不要加引号） / field supplement_notices_before_acceptance '
        'takes an integer, not the text "2" (no quotes on numbers)'
    )


def test_a_bool_field_compared_with_a_number(rules: RuleFiles) -> None:
    rules.replace(
        PROC, "{field: extension_by_head, eq: false}", "{field: extension_by_head, eq: 0}"
    )
    assert only_problem(rules) == (
        f"{rules.at(PROC, '0}', after='extension_by_head, eq:')}: 字段 extension_by_head 应为"
        "布尔值（true 或 false），这里写的是数字 0 / field extension_by_head takes true or "
        "false, not the number 0"
    )


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "{field: same_handler_reviewer, eq: true}",
            "{field: same_handler_reviewer, lt: true}",
            "运算符 lt 不适用于布尔值字段 same_handler_reviewer（可用：eq, ne, exists, missing） "
            "/ operator lt does not apply to field same_handler_reviewer, which is true or false "
            "(allowed: eq, ne, exists, missing)",
        ),
        (
            "{field: event, eq: return}",
            "{field: event, lt: return}",
            "运算符 lt 不适用于文本字段 event（可用：eq, ne, in, not_in, exists, missing） "
            "/ operator lt does not apply to field event, which is text "
            "(allowed: eq, ne, in, not_in, exists, missing)",
        ),
        (
            "{field: reviews, eq: 0}",
            "{field: reviews, contains: 0}",
            "运算符 contains 不适用于整数字段 reviews（可用：eq, ne, lt, lte, gt, gte, in, not_in, "
            "exists, missing） / operator contains does not apply to field reviews, which is an "
            "integer (allowed: eq, ne, lt, lte, gt, gte, in, not_in, exists, missing)",
        ),
    ],
)
def test_an_operator_the_type_does_not_have(
    rules: RuleFiles, old: str, new: str, expected: str
) -> None:
    rules.replace(PROC, old, new)
    op = new.split(", ")[1].split(":")[0]
    assert only_problem(rules) == f"{rules.at(PROC, f'{op}:', after=new.split(',')[0])}: {expected}"


def test_a_threshold_out_of_range(rules: RuleFiles) -> None:
    rules.replace(
        PROC, "{field: extensions_approved, gte: 2}", "{field: extensions_approved, gte: 200}"
    )
    assert only_problem(rules) == (
        f"{rules.at(PROC, '200')}: 值 200 超出字段 extensions_approved（批准延期次数）的范围 "
        "[0, 100] / value 200 is outside the range of field extensions_approved "
        "(extensions approved) [0, 100]"
    )


def test_a_parameter_out_of_range_points_at_its_definition(rules: RuleFiles) -> None:
    rules.replace(TIME, "warning_days: 3", "warning_days: 20000")
    assert only_problem(rules) == (
        f"{rules.at(TIME, '20000')}: 参数 warning_days：值 20000 超出字段 remaining（剩余工作日）"
        "的范围 [-10000, 10000] / parameter warning_days: value 20000 is outside the range of "
        "field remaining (working days left (negative when overdue)) [-10000, 10000]"
    )


def test_an_unknown_value_of_a_field_with_choices(rules: RuleFiles) -> None:
    rules.replace(PROC, "eq: approve_extension}", "eq: approve_extention}")
    assert only_problem(rules) == (
        f"{rules.at(PROC, 'approve_extention')}: 字段 event 没有取值 approve_extention，是否应为 "
        "approve_extension？ / field event has no value approve_extention; did you mean "
        "approve_extension?"
    )


def test_unknown_item_and_department_codes(rules: RuleFiles) -> None:
    rules.replace(
        PROC,
        "        - {field: missing_materials_count, gt: 0}\n",
        "        - {field: missing_materials_count, gt: 0}\n"
        "        - {field: item, in: [LAWYER-PRACTICE, LAWYER-PRACTISE]}\n"
        "        - {field: department, ne: LAWYER-DV}\n",
    )
    assert rules.problems() == [
        f"{rules.at(PROC, 'LAWYER-PRACTISE')}: 字段 item 没有取值 LAWYER-PRACTISE，是否应为 "
        "LAWYER-PRACTICE？ / field item has no value LAWYER-PRACTISE; did you mean "
        "LAWYER-PRACTICE?",
        f"{rules.at(PROC, 'LAWYER-DV')}: 字段 department 没有取值 LAWYER-DV，是否应为 LAWYER-DIV？ "
        "/ field department has no value LAWYER-DV; did you mean LAWYER-DIV?",
    ]


def test_an_unknown_parameter(rules: RuleFiles) -> None:
    rules.replace(TIME, "lte: {param: warning_days}", "lte: {param: warnig_days}")
    assert only_problem(rules) == (
        f"{rules.at(TIME, 'warnig_days')}: 未知参数 warnig_days，是否应为 warning_days？ "
        "/ unknown parameter warnig_days; did you mean warning_days?"
    )


def test_a_parameter_of_the_rule_itself(rules: RuleFiles) -> None:
    rules.replace(
        PROC,
        "{field: supplement_notices_before_acceptance, gte: 2}",
        "{field: supplement_notices_before_acceptance, gte: {param: notices}}\n"
        "    params: {notices: 2}",
    )
    rule = load_rulebook(rules.dir, load_catalogue(rules.dir)).by_id()["PROC-SECOND-SUPPLEMENT"]
    assert rule.params == {"notices": 2}
    rules.replace(PROC, "params: {notices: 2}", "params: {notices: [2]}")
    assert only_problem(rules) == (
        f"{rules.at(PROC, '[2]')}: 参数 notices：字段 supplement_notices_before_acceptance 应为"
        "整数，这里写的是列表 / parameter notices: field supplement_notices_before_acceptance "
        "takes an integer, not a list"
    )


def test_a_rule_id_used_twice_across_files(rules: RuleFiles) -> None:
    first = rules.at(TIME, "- id: TIME-WARNING").split(":")[1]
    rules.replace(PROC, "- id: PROC-ACCEPT-LATE", "- id: TIME-WARNING")
    assert only_problem(rules) == (
        f"{rules.at(PROC, 'id: TIME-WARNING')}: 规则编号 TIME-WARNING 重复（首次出现在 "
        f"rules/timeliness.yaml 第 {first} 行） / duplicate rule id TIME-WARNING (first at "
        f"rules/timeliness.yaml:{first})"
    )


@pytest.mark.parametrize(
    ("new", "at", "expected"),
    [
        (
            "{field: reviews, le: 0}",
            "le:",
            "未知运算符 le，是否应为 lte？ / unknown operator le; did you mean lte?",
        ),
        (
            "{field: reviews, equals: 0}",
            "equals:",
            "未知运算符 equals（可用：eq, ne, lt, lte, gt, gte, in, not_in, exists, missing, "
            "contains） / unknown operator equals (allowed: eq, ne, lt, lte, gt, gte, in, "
            "not_in, exists, missing, contains)",
        ),
        (
            "{not: {field: reviews, gt: 0}}",
            "not:",
            "不支持 not：请改用 ne、not_in 或 missing / not is not supported: use ne, not_in "
            "or missing",
        ),
        (
            "{field: reviews, eq: 0, lt: 1}",
            "lt:",
            "一个比较只能有一个运算符（已有 eq）；多个条件请并列写在 all: 之下 / one comparison "
            "takes one operator (eq is there); list several under all:",
        ),
        (
            "{field: reviews}",
            "{field: reviews}",
            "比较缺少运算符（如 eq、lte、in、exists） / the comparison has no operator "
            "(like eq, lte, in, exists)",
        ),
        (
            "{fields: reviews}",
            "fields:",
            "未知条件键 fields，是否应为 field？ / unknown condition key fields; "
            "did you mean field?",
        ),
        (
            "{field: reviews, in: []}",
            "[]",
            "in / not_in 的值须为非空列表，如 [a, b] / in / not_in take a non-empty list, "
            "like [a, b]",
        ),
        (
            "{field: reviews, eq: {field: reason_given}}",
            "{field: reason_given}",
            "字段 reviews（整数）不能用 eq 与字段 reason_given（布尔值）比较 / field reviews "
            "(an integer) cannot be compared by eq with field reason_given (true or false)",
        ),
        (
            "{field: reviews, exists: 1}",
            "1}",
            "exists 的值须为 true 或 false / exists takes true or false",
        ),
    ],
)
def test_malformed_comparisons(rules: RuleFiles, new: str, at: str, expected: str) -> None:
    rules.replace(PROC, "{field: reviews, eq: 0}", new)
    assert only_problem(rules) == f"{rules.at(PROC, at, after='PROC-CONCLUDE-NO')}: {expected}"


def test_all_and_any_need_lists_and_cannot_share_a_level(rules: RuleFiles) -> None:
    conclude = "        - {field: event, eq: conclude}"
    rules.replace(PROC, f"      all:\n{conclude}", f"      all: []\n      any:\n{conclude}")
    assert rules.problems() == [
        f"{rules.at(PROC, 'all: []')}: all: 后须为非空列表 / all: needs a non-empty list",
        f"{rules.at(PROC, 'any:', after='all: []')}: all 与 any 不能写在同一层，"
        "请把其中一个嵌套在另一个之下 / all and any cannot share one level: nest one inside "
        "the other",
    ]


def test_message_placeholders_cause_field_and_response_days(rules: RuleFiles) -> None:
    rules.replace(
        PROC,
        "message_zh: 事项「{item_name}」的案件未经审核",
        "message_zh: 事项「{itme_name}」的案件未经审核",
    )
    rules.replace(TIME, "cause_field: step", "cause_field: stepp\n      response_days: 2")
    rules.replace(TIME, "response_days: {param: yellow_response_days}", "response_days: '3'")
    assert rules.problems() == [
        f"{rules.at(PROC, '事项「{itme_name}')}: 未知事实字段 itme_name，是否应为 item_name？ "
        "/ unknown fact field itme_name; did you mean item_name?",
        f"{rules.at(TIME, 'stepp')}: 未知事实字段 stepp，是否应为 step？ "
        "/ unknown fact field stepp; did you mean step?",
        f"{rules.at(TIME, 'response_days: 2')}: 预警不设回告期限 response_days"
        "（黄牌、红牌、异常才需回告） / a warning takes no response_days "
        "(yellow, red and anomaly cards do)",
        f"{rules.at(TIME, QUOTED_3)}: 回告期限 response_days 须为正整数（工作日）"
        "或 {param: 参数} / response_days must be a positive whole number of working days, "
        "or {param: name}",
    ]


def test_unbalanced_braces_in_a_message(rules: RuleFiles) -> None:
    text = "message_en: A case of {item_name_en} was concluded without review"
    rules.replace(PROC, text, text.replace("{item_name_en}", "{item_name_en"))
    where = rules.at(PROC, "A case of {item_name_en was")
    assert only_problem(rules) == (
        f"{where}: 消息模板的花括号不成对；要显示花括号本身请写 {{{{ 或 }}}} "
        "/ unbalanced braces in the message; write {{ or }} for a brace itself"
    )


def test_faults_of_the_rule_record_itself(rules: RuleFiles) -> None:
    rules.replace(PROC, "  - id: PROC-ACCEPT-LATE", "  - id: proc-accept-late")
    rules.replace(PROC, "    level: anomaly", "    level: orange", after="PROC-RETURN-NO-REASON")
    rules.replace(
        PROC,
        "    concerns: [handler, head, supervisor]",
        "    concern: [handler]",
        after="PROC-EXTENSION-LATE",
    )
    rules.replace(PROC, "    when: {field: event, eq: change_after_conclusion}\n", "")
    assert rules.problems() == [
        f"{rules.at(PROC, 'id: proc-accept-late')}: 字段 id 须由大写字母、数字和连字符组成（如 "
        "PROC-SECOND-SUPPLEMENT） / field id must be capital letters, digits and hyphens (like "
        "PROC-SECOND-SUPPLEMENT)",
        f"{rules.at(PROC, 'id: PROC-EXTENSION-LATE')}: 缺少必填字段 concerns / required field "
        "concerns is missing",
        f"{rules.at(PROC, 'concern:')}: 未知字段 concern，是否应为 concerns？ / unknown field "
        "concern; did you mean concerns?",
        f"{rules.at(PROC, 'level: orange')}: 字段 level 必须是以下之一："
        "'warning', 'yellow', 'red', 'anomaly' "
        "/ field level must be one of: 'warning', 'yellow', 'red' or 'anomaly'",
        f"{rules.at(PROC, 'id: PROC-CHANGE-AFTER')}: 缺少必填字段 when / required field when "
        "is missing",
    ]


def test_an_unknown_section_gets_a_did_you_mean(rules: RuleFiles) -> None:
    rules.replace(PROC, "\nrules:\n", "\nrule:\n")
    where = rules.at(PROC, "rule:")  # the root mapping starts at its first key
    assert rules.problems() == [
        f"{where}: 缺少必填字段 rules / required field rules is missing",
        f"{where}: 未知字段 rule，是否应为 rules？ / unknown field rule; did you mean rules?",
    ]


def test_every_problem_of_every_file_at_once_in_file_order(rules: RuleFiles) -> None:
    rules.replace(FEES, "{field: fee_item_free, eq: true}", "{field: fee_item_fre, eq: true}")
    rules.replace(PROC, "missing_materials_count, gt: 0}", "missing_materials_count, gt: -1}")
    rules.replace(PROC, "{field: deemed_accepted, eq: true}", "{field: deemed_accepted, eq: 1}")
    rules.replace(TIME, "red_overdue_days: 5", "red_overdue_days: 1")
    found = check_rulebook(rules.dir)
    assert [message.split(": ")[0] for message in found] == [
        rules.at(FEES, "fee_item_fre", after=RULES_SECTION),
        rules.at(PROC, "-1"),
        rules.at(PROC, "1}", after="deemed_accepted, eq:"),
        rules.at(TIME, "red_overdue_days: 1"),
    ]
    with pytest.raises(ConfigError) as caught:
        load_rulebook(rules.dir, load_catalogue(rules.dir))
    assert caught.value.problems == found


def test_a_yaml_syntax_error_leaves_the_other_files_checked(rules: RuleFiles) -> None:
    rules.replace(PROC, "    level: anomaly", "    level: [anomaly", after="\nrules:")
    rules.replace(FEES, "{field: fee_item_free, eq: true}", "{field: fee_item_fre, eq: true}")
    found = check_rulebook(rules.dir)
    assert len(found) == 2
    assert found[0].startswith(
        f"{rules.at(FEES, 'fee_item_fre', after=RULES_SECTION)}: 未知事实字段 fee_item_fre"
    )
    where = rules.at(PROC, "[anomaly")
    line = where.split(":")[1]
    assert found[1] == (
        f"{where}: 第 {line} 行的“[”没有对应的“]”，请在末尾补上“]” "
        f'/ the "[" on line {line} is never closed: add "]" at the end'
    )


def test_check_reports_the_catalogue_too(rules: RuleFiles) -> None:
    rules.replace(FEES, "- item: LAWYER-PRACTICE", "- item: LAWYER-PRACTISE")
    rules.replace(PROC, "{field: reviews, eq: 0}", "{field: reviews, eq: none}")
    found = check_rulebook(rules.dir)
    assert [m.split(": ")[0] for m in found] == [
        "rules/fees.yaml:" + rules.at(FEES, "fees:\n").split(":", 1)[1],  # no entry for the item
        rules.at(FEES, "item: LAWYER-PRACTISE"),  # unknown item
        rules.at(PROC, "none}"),  # the rules are still checked
    ]
