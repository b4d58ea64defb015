"""rules/fees.yaml: the one source of fee standards, its lookups, and its faults in place."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml

from approval_core.catalogue import Catalogue, load_catalogue
from approval_core.errors import ConfigError, NotFound
from tests.catalogue.support import RULES, RulesCopy

FEES = "rules/fees.yaml"
LAWYER = "item: LAWYER-PRACTICE"
BASIS = (
    "        basis:\n"
    "          - statute: 《某收费文件》\n            statute_en: A fee notice\n"
    "            article: 第一条\n            article_en: Art. 1\n"
)
CHARGES = (
    "    charges:\n"
    "      - code: CERT_FEE\n        name_zh: 证书工本费\n        name_en: Certificate fee\n"
    "        amount_yuan: 10\n" + BASIS + "      - code: COPY_FEE\n        name_zh: 复印费\n"
    "        name_en: Copying fee\n        kind: per_unit\n        amount_yuan: 0.5\n"
    "        unit_zh: 页\n        unit_en: page\n" + BASIS
)


def problems(rules: RulesCopy) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_catalogue(rules.dir)
    return caught.value.problems


def charge_lawyer_practice(rules: RulesCopy) -> None:
    rules.replace("fees.yaml", "    free: true", "    free: false", after=LAWYER)
    rules.replace(
        "fees.yaml", "    note_zh: 不收费\n", CHARGES + "    note_zh: 收费\n", after=LAWYER
    )


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(RULES)


def test_items_yaml_has_no_fee_of_its_own() -> None:
    items = yaml.safe_load((RULES / "items.yaml").read_text(encoding="utf-8"))["items"]
    fees = yaml.safe_load((RULES / "fees.yaml").read_text(encoding="utf-8"))["fees"]
    assert all("fee" not in item for item in items)
    assert [f["item"] for f in fees] == [i["code"] for i in items]


def test_the_public_view_discloses_the_fee_entry(catalogue: Catalogue) -> None:
    fees = yaml.safe_load((RULES / "fees.yaml").read_text(encoding="utf-8"))["fees"]
    for entry in fees:
        code = entry.pop("item")
        assert catalogue.public_view(code)["fee"] == {"charges": [], **entry}


def test_lookups_of_the_shipped_catalogue(catalogue: Catalogue) -> None:
    assert all(catalogue.is_free(code) for code in catalogue.items)
    assert catalogue.fee_standard("LAWYER-PRACTICE", "CERT_FEE") is None
    assert catalogue.fee("LEGAL-AID-APPLICATION").basis[0].statute == "《中华人民共和国法律援助法》"
    with pytest.raises(NotFound):
        catalogue.is_free("NO-SUCH-ITEM")
    with pytest.raises(NotFound):
        catalogue.fee_standard("NO-SUCH-ITEM", "CERT_FEE")


def test_a_charged_item(rules: RulesCopy) -> None:
    charge_lawyer_practice(rules)
    catalogue = load_catalogue(rules.dir)
    assert catalogue.is_free("LAWYER-PRACTICE") is False
    fixed = catalogue.fee_standard("LAWYER-PRACTICE", "CERT_FEE")
    per_page = catalogue.fee_standard("LAWYER-PRACTICE", "COPY_FEE")
    assert fixed is not None
    assert per_page is not None
    assert (fixed.kind, fixed.standard(), fixed.standard(3)) == ("fixed", Decimal(10), Decimal(10))
    assert (per_page.kind, per_page.standard(4)) == ("per_unit", Decimal("2.0"))
    assert catalogue.fee_standard("LAWYER-PRACTICE", "OTHER_FEE") is None
    view = catalogue.public_view("LAWYER-PRACTICE")["fee"]
    assert [c["code"] for c in view["charges"]] == ["CERT_FEE", "COPY_FEE"]
    assert view["charges"][1]["unit_zh"] == "页"


def test_an_unknown_item_gets_a_did_you_mean(rules: RulesCopy) -> None:
    line = rules.replace("fees.yaml", LAWYER, "item: LAWYER-PRACTISE")
    section = rules.line_of("fees.yaml", "fees:\n")
    assert problems(rules) == [
        f"{FEES}:{section}:1: 事项 LAWYER-PRACTICE 没有收费标准"
        "（不收费也须写明 free: true 及依据） / item LAWYER-PRACTICE has no fee entry "
        "(a free item needs free: true and its basis)",
        f"{FEES}:{line}:5: 字段 item 引用了不存在的事项 LAWYER-PRACTISE，是否应为 "
        "LAWYER-PRACTICE？ / field item refers to unknown item LAWYER-PRACTISE; "
        "did you mean LAWYER-PRACTICE?",
    ]


def test_an_item_named_twice(rules: RulesCopy) -> None:
    first = rules.line_of("fees.yaml", "item: LAWFIRM-ESTABLISH")
    line = rules.replace("fees.yaml", "item: NOTARY-PRACTICE", "item: LAWFIRM-ESTABLISH")
    missing, duplicate = problems(rules)
    assert "事项 NOTARY-PRACTICE 没有收费标准" in missing
    assert duplicate == (
        f"{FEES}:{line}:5: 事项 LAWFIRM-ESTABLISH 的收费标准重复（首次出现在第 {first} 行） "
        f"/ duplicate fee entry for LAWFIRM-ESTABLISH (first at line {first})"
    )


def test_a_free_item_with_charges(rules: RulesCopy) -> None:
    line = rules.replace("fees.yaml", "    note_zh: 不收费\n", CHARGES, after=LAWYER)
    assert problems(rules) == [
        f"{FEES}:{line}:5: 不收费事项不能列出收费项目 / a free item cannot list charges"
    ]


def test_a_charged_item_without_charges(rules: RulesCopy) -> None:
    rules.replace("fees.yaml", "    free: true", "    free: false", after=LAWYER)
    item = rules.line_of("fees.yaml", LAWYER)
    assert problems(rules) == [
        f"{FEES}:{item}:5: 收费事项必须列出收费项目 / a charged item must list its charges"
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("        unit_zh: 页\n", "", "按件计收的收费项目须写明计费单位 unit_zh 和 unit_en"),
        ("        kind: per_unit\n", "", "固定金额的收费项目不能写计费单位"),
        ("code: COPY_FEE", "code: CERT_FEE", "代码 CERT_FEE 重复（同 charges[0]）"),
        ("amount_yuan: 0.5", "amount_yuan: 0", "金额 amount_yuan 必须大于 0（元）"),
    ],
)
def test_faults_in_charges(rules: RulesCopy, old: str, new: str, expected: str) -> None:
    charge_lawyer_practice(rules)
    rules.replace("fees.yaml", old, new, after=LAWYER)
    (message,) = problems(rules)
    assert message.startswith(f"{FEES}:")
    assert expected in message


def test_a_fee_block_left_in_items_yaml_is_refused(rules: RulesCopy) -> None:
    after = "- code: LAWYER-PRACTICE"
    line = rules.replace(
        "items.yaml", "    contact_phone:", "    fee: {}\n    contact_phone:", after=after
    )
    (message,) = problems(rules)
    assert message.startswith(f"rules/items.yaml:{line}:5: 未知字段 fee")


def test_a_missing_fees_file(rules: RulesCopy) -> None:
    rules.path("fees.yaml").unlink()
    (message,) = problems(rules)
    assert message.startswith(
        f"{FEES}:1:1: 无法读取文件（文件不存在） / cannot read the file: No such file"
    )
