"""Each kind of fault in a copy of the rule files is reported at file:line:column, all at once."""

from __future__ import annotations

import pytest

from approval_core.catalogue import load_catalogue
from approval_core.errors import ConfigError
from tests.catalogue.support import RulesCopy

ITEMS = "rules/items.yaml"
TIMELINESS = "rules/timeliness.yaml"
FEES = "rules/fees.yaml"
LAWYER = "- code: LAWYER-PRACTICE"
ARB = "ARBITRATION-ESTABLISH"
ARBITRATION = f"- code: {ARB}"


def problems(rules: RulesCopy) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_catalogue(rules.dir)
    assert caught.value.problems, "a ConfigError must list its problems"
    return caught.value.problems


def test_a_non_positive_limit_points_at_its_line(rules: RulesCopy) -> None:
    line = rules.replace("items.yaml", "    limit: 30", "    limit: 0", after=LAWYER)
    assert problems(rules) == [
        f"{ITEMS}:{line}:5: 字段 limit 必须是正整数 / field limit must be a positive integer"
    ]


def test_a_quoted_number_is_not_a_number(rules: RulesCopy) -> None:
    line = rules.replace("items.yaml", "    limit: 30", '    limit: "30"', after=LAWYER)
    assert problems(rules) == [
        f"{ITEMS}:{line}:5: 字段 limit 必须是整数 / field limit must be an integer"
    ]


def test_a_misspelt_key_gets_a_did_you_mean(rules: RulesCopy) -> None:
    line = rules.replace("items.yaml", "    promised_limit:", "    promised_limt:", after=LAWYER)
    item_line = rules.line_of("items.yaml", "code: LAWYER-PRACTICE")
    assert problems(rules) == [
        f"{ITEMS}:{item_line}:5: 缺少必填字段 promised_limit "
        "/ required field promised_limit is missing",
        f"{ITEMS}:{line}:5: 未知字段 promised_limt，是否应为 promised_limit？ "
        "/ unknown field promised_limt; did you mean promised_limit?",
    ]


def test_a_wrong_boolean_points_at_the_material(rules: RulesCopy) -> None:
    line = rules.replace(
        "items.yaml", "        mandatory: false", '        mandatory: "no"', after=LAWYER
    )
    assert problems(rules) == [
        f"{ITEMS}:{line}:9: 字段 mandatory 必须是 true 或 false "
        "/ field mandatory must be true or false"
    ]


def test_promised_above_statutory(rules: RulesCopy) -> None:
    line = rules.replace("items.yaml", "promised_limit: 7", "promised_limit: 12", after=ARBITRATION)
    assert problems(rules) == [
        f"{ITEMS}:{line}:5: 承诺时限 12 不能超过法定时限 10 "
        "/ promised limit 12 exceeds the statutory limit 10"
    ]


def test_step_limits_above_limit_plus_extension(rules: RulesCopy) -> None:
    rules.replace(
        "items.yaml", "        limit: 5\n", "        limit: 6\n", after=f"{ARBITRATION}\n"
    )
    flow_line = rules.line_of("items.yaml", "    flow:", after=ARBITRATION)
    assert problems(rules) == [
        f"{ITEMS}:{flow_line}:5: 各环节时限之和 11 超过法定时限 10 与最长延期 0 之和 "
        "/ the step limits add up to 11, more than the statutory limit 10 "
        "plus the maximum extension 0"
    ]


def test_extension_days_count_toward_the_step_sum(rules: RulesCopy) -> None:
    # APPRAISER-PRACTICE: 20 + 10 may be spread over the steps, 31 may not.
    after = "- code: APPRAISER-PRACTICE"
    rules.replace("items.yaml", "        limit: 12", "        limit: 22", after=after)
    assert len(load_catalogue(rules.dir).items) == 12
    rules.replace("items.yaml", "        limit: 22", "        limit: 23", after=after)
    (message,) = problems(rules)
    assert "各环节时限之和 31 超过法定时限 20 与最长延期 10 之和" in message


def test_accept_step_longer_than_the_acceptance_window(rules: RulesCopy) -> None:
    line = rules.replace("items.yaml", "        limit: 5  #", "        limit: 6  #", after=LAWYER)
    assert problems(rules) == [
        f"{ITEMS}:{line}:9: 受理环节时限 6 超过受理期限 5 "
        "/ the accept step limit 6 exceeds the acceptance window 5"
    ]


def test_unknown_category_and_department(rules: RulesCopy) -> None:
    cat = rules.replace("items.yaml", "category: LAWYER\n", "category: LAWYR\n", after=LAWYER)
    dep = rules.replace("items.yaml", "department: PLS-DIV", "department: PLS")
    assert problems(rules) == [
        f"{ITEMS}:{cat}:5: 字段 category 引用了不存在的代码 LAWYR，是否应为 LAWYER？ "
        "/ field category refers to unknown code LAWYR; did you mean LAWYER?",
        f"{ITEMS}:{dep}:5: 字段 department 引用了不存在的代码 PLS，是否应为 PLS-DIV？ "
        "/ field department refers to unknown code PLS; did you mean PLS-DIV?",
    ]


def test_duplicate_item_codes(rules: RulesCopy) -> None:
    first = rules.line_of("items.yaml", LAWYER)
    line = rules.replace("items.yaml", "- code: LAWFIRM-ESTABLISH", LAWYER)
    fee = rules.line_of("fees.yaml", "- item: LAWFIRM-ESTABLISH")
    assert problems(rules) == [
        # Its fee entry now names an item that no longer exists.
        f"{FEES}:{fee}:5: 字段 item 引用了不存在的事项 LAWFIRM-ESTABLISH，"
        "是否应为 NOTARY-OFFICE-ESTABLISH？ / field item refers to unknown item "
        "LAWFIRM-ESTABLISH; did you mean NOTARY-OFFICE-ESTABLISH?",
        f"{ITEMS}:{line}:5: 代码 LAWYER-PRACTICE 重复（首次出现在第 {first} 行） "
        f"/ duplicate code LAWYER-PRACTICE (first at line {first})",
    ]


def test_duplicate_material_codes(rules: RulesCopy) -> None:
    line = rules.replace("items.yaml", "code: IDENTITY", "code: APPLICATION", after=LAWYER)
    assert problems(rules) == [
        f"{ITEMS}:{line}:9: 代码 APPLICATION 重复（同 materials[0]） "
        "/ duplicate code APPLICATION (same as materials[0])"
    ]


def test_duplicate_stop_types(rules: RulesCopy) -> None:
    first = rules.line_of("timeliness.yaml", "- code: tender")
    line = rules.replace("timeliness.yaml", "- code: auction", "- code: tender")
    assert problems(rules) == [
        f"{TIMELINESS}:{line}:7: 代码 tender 重复（首次出现在第 {first} 行） "
        f"/ duplicate code tender (first at line {first})"
    ]


def test_supplement_stop_is_required(rules: RulesCopy) -> None:
    rules.replace("timeliness.yaml", "- code: supplement", "- code: supplements")
    line = rules.line_of("timeliness.yaml", "  clock_stops:")
    assert problems(rules) == [
        f"{TIMELINESS}:{line}:3: 必须定义 supplement（补正）中止类型，计时规则依赖它 "
        "/ the stop type supplement (补正) must be defined: the clock relies on it"
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("    name_zh: 律师执业许可", '    name_zh: ""', "字段 name_zh 不能为空"),
        (
            "    contact_phone: 0791-00000101",
            '    contact_phone: ""',
            "字段 contact_phone 不能为空",
        ),
        (
            "    supervision_phone: 0791-00000100",
            "    supervision_phone: 监督电话",
            "字段 supervision_phone 须为 区号-号码（如 0791-86000000）",
        ),
        (
            "    kind: licence",
            "    kind: permit",
            "字段 kind 必须是以下之一：'licence', 'service' "
            "/ field kind must be one of: 'licence' or 'service'",
        ),
    ],
)
def test_empty_or_malformed_disclosure_fields(
    rules: RulesCopy, old: str, new: str, expected: str
) -> None:
    line = rules.replace("items.yaml", old, new, after=LAWYER)
    (message,) = problems(rules)
    assert message.startswith(f"{ITEMS}:{line}:")
    assert expected in message


def test_empty_legal_basis_and_materials(rules: RulesCopy) -> None:
    text = rules.text("items.yaml")
    start = text.index("    legal_basis:", text.index(LAWYER))
    end = text.index("    # 申请条件", start)
    rules.path("items.yaml").write_text(text[:start] + "    legal_basis: []\n" + text[end:])
    line = rules.line_of("items.yaml", "    legal_basis: []")
    assert problems(rules) == [
        f"{ITEMS}:{line}:5: 字段 legal_basis 不能为空 / field legal_basis must not be empty"
    ]


def test_a_missing_disclosure_field(rules: RulesCopy) -> None:
    rules.replace(
        "items.yaml",
        "    supervision_phone: 0791-00000100  # 示例号码 / example number\n",
        "",
        after=ARBITRATION,
    )
    line = rules.line_of("items.yaml", ARBITRATION)
    assert problems(rules) == [
        f"{ITEMS}:{line}:5: 缺少必填字段 supervision_phone "
        "/ required field supervision_phone is missing"
    ]


def test_a_flow_without_review(rules: RulesCopy) -> None:
    line = rules.replace("items.yaml", "      - code: review", "      - code: check", after=LAWYER)
    flow = rules.line_of("items.yaml", "    flow:", after=LAWYER)
    assert line > flow
    assert problems(rules) == [
        f"{ITEMS}:{flow}:5: 办理流程必须依次包含环节 accept, handle, review, conclude "
        "/ the flow must contain the steps accept, handle, review, conclude in this order"
    ]


def test_an_unquoted_cutoff_is_refused(rules: RulesCopy) -> None:
    line = rules.replace("timeliness.yaml", "cutoff: null", "cutoff: 17:30")
    assert problems(rules) == [
        f'{TIMELINESS}:{line}:3: 截止时刻须写成加引号的 "HH:MM"，或 null 表示 24:00 '
        '/ the cut-off must be a quoted "HH:MM", or null for 24:00'
    ]


def test_a_duplicate_yaml_key(rules: RulesCopy) -> None:
    first = rules.line_of("items.yaml", "    limit: 30", after=LAWYER)
    line = rules.replace("items.yaml", "    promised_limit: 20", "    limit: 25", after=LAWYER)
    assert problems(rules) == [
        f"{ITEMS}:{line}:5: 键 limit 重复（首次出现在第 {first} 行） "
        f"/ duplicate key limit (first at line {first})"
    ]


def test_a_yaml_syntax_error(rules: RulesCopy) -> None:
    line = rules.replace("items.yaml", "    kind: licence", "    kind: [licence", after=LAWYER)
    assert problems(rules) == [
        f"{ITEMS}:{line}:11: 第 {line} 行的“[”没有对应的“]”，请在末尾补上“]” "
        f'/ the "[" on line {line} is never closed: add "]" at the end'
    ]


def test_a_missing_file(rules: RulesCopy) -> None:
    rules.path("timeliness.yaml").unlink()
    (message,) = problems(rules)
    assert message.startswith(
        f"{TIMELINESS}:1:1: 无法读取文件（文件不存在） / cannot read the file: No such file"
    )


def test_every_problem_of_both_files_is_reported_in_file_order(rules: RulesCopy) -> None:
    limit = rules.replace("items.yaml", "    limit: 30", "    limit: -1", after=LAWYER)
    cat = rules.replace("items.yaml", "category: NOTARY\n", "category: NOTARI\n")
    typo = rules.replace("items.yaml", "    kind: licence", "    kinds: licence", after=ARBITRATION)
    fee = rules.replace("fees.yaml", "free: true", "free: yes please", after=f"item: {ARB}")
    stop = rules.replace(
        "timeliness.yaml",
        "      excludes_time: true",
        "      excludes_time: 1",
        after="- code: supplement",
    )
    window = rules.replace(
        "timeliness.yaml", "default_acceptance_window: 5", "default_acceptance_window: -5"
    )
    found = problems(rules)
    assert [m.split(": ")[0] for m in found] == [
        f"{FEES}:{fee}:5",
        f"{ITEMS}:{limit}:5",
        f"{ITEMS}:{cat}:5",
        f"{ITEMS}:{rules.line_of('items.yaml', ARBITRATION)}:5",  # kind missing
        f"{ITEMS}:{typo}:5",  # kinds unknown, did you mean kind
        f"{TIMELINESS}:{window}:3",
        f"{TIMELINESS}:{stop}:7",
    ]
    assert "字段 free 必须是 true 或 false" in found[0]
    assert "did you mean kind?" in found[4]
    assert "字段 default_acceptance_window 不能为负数" in found[5]


def test_no_acceptance_window_needs_the_limit_from_receipt(rules: RulesCopy) -> None:
    rules.replace(
        "items.yaml",
        "    limit_from: receipt  # 时限自收件起算 / the limit runs from receipt",
        "",
        after=ARBITRATION,
    )
    window_line = rules.line_of("items.yaml", "acceptance_window: 0  # 自收到文件之日起算")
    found = problems(rules)
    assert len(found) == 1
    assert found[0].startswith(f"{ITEMS}:{window_line}:5:")
    assert "limit_from: receipt" in found[0]


def test_natural_days_need_their_basis(rules: RulesCopy) -> None:
    # The unit is policy data with its legal basis: natural days without one are refused.
    rules.replace(
        "items.yaml",
        "    max_extension_days: 0",
        "    limit_unit: natural_days\n    max_extension_days: 0",
        after=ARBITRATION,
    )
    line = rules.line_of("items.yaml", ARBITRATION)
    assert problems(rules) == [
        f"{ITEMS}:{line}:5: 时限按自然日计算（limit_unit: natural_days）时须写明依据 "
        "limit_unit_basis / a limit counted in natural days (limit_unit: natural_days) needs "
        "its legal basis in limit_unit_basis"
    ]
