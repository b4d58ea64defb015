"""The shipped catalogue (rules/items.yaml, rules/timeliness.yaml) loads with the legal figures."""

from __future__ import annotations

import json
from collections import Counter
from datetime import time

import pytest

from approval_core.catalogue import Catalogue, load_catalogue
from approval_core.clock.schemas import ClockPolicy
from approval_core.errors import NotFound
from tests.catalogue.support import RULES, RulesCopy

DISCLOSURE_KEYS = (
    "name_zh",
    "authority_zh",
    "legal_basis",
    "materials",
    "flow",
    "time_limits",
    "fee",
    "department",
    "contact_phone",
    "supervision_phone",
)
# Collected at import so that each item is its own test case.
CODES = list(load_catalogue(RULES).items)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(RULES)


def test_twelve_items_in_six_categories_two_each(catalogue: Catalogue) -> None:
    assert len(catalogue.items) == 12
    assert list(catalogue.categories) == [
        "LAWYER",
        "NOTARY",
        "APPRAISAL",
        "LEGAL-AID",
        "EXAM",
        "ARBITRATION",
    ]
    per_category = Counter(item.category for item in catalogue.items.values())
    assert per_category == dict.fromkeys(catalogue.categories, 2)
    assert [i.code for i in catalogue.items_in("LEGAL-AID")] == [
        "LEGAL-AID-APPLICATION",
        "LEGAL-AID-OBJECTION",
    ]


def test_items_keep_the_file_order(catalogue: Catalogue) -> None:
    assert list(catalogue.items)[:2] == ["LAWYER-PRACTICE", "LAWFIRM-ESTABLISH"]
    assert list(catalogue.items)[-1] == "ARBITRATION-DEREGISTER"


@pytest.mark.parametrize(
    ("code", "limit", "window", "extension"),
    [
        ("LAWYER-PRACTICE", 30, 5, 0),  # 律师法第六条 20 + 10
        ("LAWFIRM-ESTABLISH", 30, 5, 0),  # 律师法第十八条 20 + 10
        ("NOTARY-PRACTICE", 20, 0, 0),  # 公证员执业管理办法 20 日
        ("NOTARY-OFFICE-ESTABLISH", 30, 0, 0),  # 公证机构执业管理办法 30 日
        ("APPRAISER-PRACTICE", 20, 5, 10),  # 司法鉴定人登记管理办法 20 日 + 第四十二条
        ("APPRAISAL-INSTITUTION-ESTABLISH", 20, 5, 10),  # 司法鉴定机构登记管理办法第二十一条
        ("LEGAL-AID-APPLICATION", 7, 0, 0),  # 法律援助法第四十三条
        ("LEGAL-AID-OBJECTION", 5, 0, 0),  # 法律援助法第四十九条
        ("LEGAL-QUALIFICATION", 20, 5, 0),  # 法律职业资格管理办法 20 个工作日
        ("ARBITRATION-ESTABLISH", 10, 0, 0),  # 仲裁委员会登记暂行办法第四条
        ("ARBITRATION-DEREGISTER", 10, 0, 0),  # 仲裁委员会登记暂行办法第七条
    ],
)
def test_limits_are_the_published_figures(
    catalogue: Catalogue, code: str, limit: int, window: int, extension: int
) -> None:
    policy = catalogue.clock_policy(code)
    assert (policy.limit, policy.acceptance_window, policy.max_extension_days) == (
        limit,
        window,
        extension,
    )


def test_lawyer_practice_in_detail(catalogue: Catalogue) -> None:
    item = catalogue.get("LAWYER-PRACTICE")
    assert item.limit == 30
    assert item.promised_limit == 20
    assert item.department == "LAWYER-DIV"
    assert item.limit_basis[0].article == "第六条第三款"
    assert [m.code for m in item.mandatory_materials] == [
        "APPLICATION",
        "QUALIFICATION_CERT",
        "INTERNSHIP_ASSESSMENT",
        "IDENTITY",
        "FIRM_CONSENT",
    ]
    assert "EMPLOYER_CONSENT" in {m.code for m in item.materials}
    assert catalogue.clock_policy("LAWYER-PRACTICE").step_limits == {
        "accept": 5,
        "handle": 20,
        "review": 8,
        "conclude": 2,
    }


@pytest.mark.parametrize("code", CODES)
def test_every_item_has_a_sound_clock_policy(catalogue: Catalogue, code: str) -> None:
    policy = catalogue.clock_policy(code)
    assert isinstance(policy, ClockPolicy)
    assert 0 < policy.promised_limit <= policy.limit
    assert policy.acceptance_window in (0, 5)
    assert policy.max_extensions == (1 if policy.max_extension_days else 0)
    assert policy.cutoff is None
    assert "supplement" in policy.clock_stop_types
    assert set(policy.step_limits) >= {"accept", "handle", "review", "conclude"}
    counted = sum(
        days
        for step, days in policy.step_limits.items()
        if step != "accept" or policy.acceptance_window == 0
    )
    assert counted <= policy.limit + policy.max_extension_days
    if policy.acceptance_window:
        assert policy.step_limits["accept"] <= policy.acceptance_window


@pytest.mark.parametrize("code", CODES)
def test_public_view_discloses_everything(catalogue: Catalogue, code: str) -> None:
    view = catalogue.public_view(code)
    json.dumps(view, ensure_ascii=False)  # JSON-ready
    for key in DISCLOSURE_KEYS:
        assert view[key], key
    assert view["time_limits"]["statutory"] == catalogue.get(code).limit
    # Licences count working days (Art. 82); the legal-aid periods ("日") natural days.
    natural = catalogue.get(code).category == "LEGAL-AID"
    assert view["time_limits"]["unit"] == ("natural_days" if natural else "working_days")
    assert bool(view["time_limits"]["unit_basis"]) is natural
    assert view["fee"]["free"] is True
    assert view["fee"]["basis"][0]["article"]
    assert view["department"]["code"] == catalogue.get(code).department
    assert view["catalogue_version"] == catalogue.version


def test_public_view_of_legal_aid(catalogue: Catalogue) -> None:
    view = catalogue.public_view("LEGAL-AID-APPLICATION")
    assert view["kind"] == "service"
    assert view["time_limits"]["statutory"] == 7
    assert view["time_limits"]["acceptance_window"] == 0
    assert view["fee"]["basis"][0] == {
        "statute": "《中华人民共和国法律援助法》",
        "statute_en": "Legal Aid Law of the People's Republic of China",
        "article": "第二条",
        "article_en": "Art. 2",
    }
    assert view["department"]["name_zh"] == "江西省法律援助中心"


def test_unknown_item_is_not_found(catalogue: Catalogue) -> None:
    with pytest.raises(NotFound) as caught:
        catalogue.get("NO-SUCH-ITEM")
    assert caught.value.field == "item"
    assert "NO-SUCH-ITEM" in caught.value.detail_zh
    with pytest.raises(NotFound):
        catalogue.clock_policy("NO-SUCH-ITEM")


def test_stop_types_carry_names_and_basis(catalogue: Catalogue) -> None:
    assert list(catalogue.stop_types) == [
        "supplement",
        "inspection",
        "expert_review",
        "hearing",
        "testing",
        "detection",
        "quarantine",
        "appraisal",
        "tender",
        "auction",
    ]
    hearing = catalogue.stop_types["hearing"]
    assert hearing.name_zh == "听证"
    assert hearing.excludes_time is True
    assert hearing.legal_basis[0].statute == "《中华人民共和国行政许可法》"
    assert catalogue.clock.max_extensions == 1


def test_version_is_stable_and_follows_the_bytes(catalogue: Catalogue, rules: RulesCopy) -> None:
    assert len(catalogue.version) == 16
    assert int(catalogue.version, 16) >= 0
    assert load_catalogue(rules.dir).version == catalogue.version
    with rules.path("timeliness.yaml").open("a", encoding="utf-8") as out:
        out.write("# a comment changes the bytes\n")
    assert load_catalogue(rules.dir).version != catalogue.version


def test_rule_sections_are_left_to_the_rulebook(rules: RulesCopy) -> None:
    # supervision: of timeliness.yaml and rules: of fees.yaml belong to supervisor/rulebook.
    rules.replace("timeliness.yaml", "warning_days: 3", "warning_dayz: three")
    rules.replace("fees.yaml", "level: anomaly", "level: severe")
    assert len(load_catalogue(rules.dir).items) == 12


def test_a_quoted_cutoff_reaches_the_clock_policy(rules: RulesCopy) -> None:
    rules.replace("timeliness.yaml", "cutoff: null", 'cutoff: "17:30"')
    policy = load_catalogue(rules.dir).clock_policy("LAWYER-PRACTICE")
    assert policy.cutoff == time(17, 30)


def test_omitted_window_and_extension_take_the_defaults(rules: RulesCopy) -> None:
    after = "- code: APPRAISER-PRACTICE"
    rules.replace("items.yaml", "    acceptance_window: 5", "", after=after)
    rules.replace("items.yaml", "    max_extension_days: 10\n", "", after=after)
    rules.replace(
        "timeliness.yaml", "default_max_extension_days: 10", "default_max_extension_days: 8"
    )
    catalogue = load_catalogue(rules.dir)
    item = catalogue.get("APPRAISER-PRACTICE")
    assert (item.acceptance_window, item.max_extension_days) == (None, None)
    policy = catalogue.clock_policy("APPRAISER-PRACTICE")
    assert (policy.acceptance_window, policy.max_extension_days) == (5, 8)
