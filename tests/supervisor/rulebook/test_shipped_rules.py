"""The shipped rule files load, cover docs/DOMAIN.md §4, and say what the law and ladder say."""

from __future__ import annotations

from typing import Any

import pytest

from approval_core.catalogue import load_catalogue
from supervisor.evaluator import check_ruleset, evaluate_python
from supervisor.rulebook import AllOf, AnyOf, Compare, RuleSet, check_rulebook, load_rulebook
from tests.catalogue.support import RULES
from tests.supervisor.rulebook.support import RuleFiles, locate

LADDER = ["TIME-WARNING", "TIME-STEP-OVER", "TIME-YELLOW", "TIME-RED"]
PROCEDURE = [
    "PROC-ACCEPT-INCOMPLETE",
    "PROC-ACCEPT-LATE",
    "PROC-SECOND-SUPPLEMENT",
    "PROC-REJECT-NO-REASON",
    "PROC-CONCLUDE-NO-REVIEW",
    "PROC-SAME-HANDLER-REVIEWER",
    "PROC-DENY-NO-REASON",
    "PROC-EXTENSION-NO-HEAD",
    "PROC-EXTENSION-TOO-LONG",
    "PROC-EXTENSION-TWICE",
    "PROC-EXTENSION-LATE",
    "PROC-EXTENSION-NO-REASON",
    "PROC-STOP-NO-NOTICE",
    "PROC-BACKDATED-ENTRY",
    "PROC-RETURN-NO-REASON",
    "PROC-CHANGE-AFTER-CONCLUSION",
    "PROC-DISCLOSURE-INCOMPLETE",
]
FEES = ["FEE-FREE-ITEM-CHARGED", "FEE-ABOVE-STANDARD", "FEE-NOT-IN-CATALOGUE"]
# 事后监察 (issue 6): complaints and ratings, at the end of procedure.yaml.
POST = ["POST-COMPLAINT-RECEIVED", "POST-COMPLAINT-OVERDUE", "POST-RATING-NEGATIVE"]

# docs/DOMAIN.md section 4, row by row and anomaly by anomaly, and the rule that covers it.
DOMAIN_SECTION_4 = {
    "warning: remaining ≤ 3 working days": "TIME-WARNING",
    "warning: a step over its step limit": "TIME-STEP-OVER",
    "yellow: overdue ≥ 1 working day": "TIME-YELLOW",
    "red: overdue ≥ 5, or a yellow card without response": "TIME-RED",
    "acceptance without all required materials": "PROC-ACCEPT-INCOMPLETE",
    "acceptance decision later than the acceptance window": "PROC-ACCEPT-LATE",
    "second supplement notice": "PROC-SECOND-SUPPLEMENT",
    "rejection without reason or legal basis": "PROC-REJECT-NO-REASON",
    "concluded without review": "PROC-CONCLUDE-NO-REVIEW",
    "the same person handled and reviewed the case": "PROC-SAME-HANDLER-REVIEWER",
    "extension without head approval": "PROC-EXTENSION-NO-HEAD",
    "extension beyond the maximum": "PROC-EXTENSION-TOO-LONG",
    "extension twice": "PROC-EXTENSION-TWICE",
    "extension after the deadline": "PROC-EXTENSION-LATE",
    "return without reason": "PROC-RETURN-NO-REASON",
    "an action recorded later than the backdating tolerance": "PROC-BACKDATED-ENTRY",
    "a stop of the clock without the Art. 45 written notice": "PROC-STOP-NO-NOTICE",
    "fee charged on a free item": "FEE-FREE-ITEM-CHARGED",
    "fee above the standard": "FEE-ABOVE-STANDARD",
    "fee not in the fee catalogue": "FEE-NOT-IN-CATALOGUE",
    "a change to a concluded case": "PROC-CHANGE-AFTER-CONCLUSION",
    "incomplete public disclosure of an item (事前监察)": "PROC-DISCLOSURE-INCOMPLETE",
}


def fired(ruleset: RuleSet, **fact: Any) -> list[str]:
    return evaluate_python(ruleset, {"subject": "case", "item": "LAWYER-PRACTICE", **fact})


def test_the_shipped_files_have_no_problem() -> None:
    assert check_rulebook(RULES) == []


def test_every_rule_in_file_order(ruleset: RuleSet) -> None:
    assert [rule.id for rule in ruleset.rules] == [*LADDER, *PROCEDURE, *POST, *FEES]
    assert set(DOMAIN_SECTION_4.values()) <= set(ruleset.by_id())


def test_levels_concerns_and_auto_resolve(ruleset: RuleSet) -> None:
    rules = ruleset.by_id()
    assert {i: rules[i].level for i in LADDER} == {
        "TIME-WARNING": "warning",
        "TIME-STEP-OVER": "warning",
        "TIME-YELLOW": "yellow",
        "TIME-RED": "red",
    }
    assert all(rules[i].level == "anomaly" for i in PROCEDURE + FEES)
    assert [r.id for r in ruleset.rules if r.auto_resolve] == ["TIME-WARNING", "TIME-STEP-OVER"]
    assert rules["TIME-WARNING"].concerns == ("handler",)
    assert rules["TIME-YELLOW"].concerns == ("handler", "head")
    assert rules["TIME-RED"].concerns == ("head", "supervisor")
    # Every anomaly concerns the handler (where a case has one), the head and the supervisors.
    anomalies = [r for r in ruleset.rules if r.level == "anomaly"]
    assert {r.concerns for r in anomalies if r.id != "PROC-DISCLOSURE-INCOMPLETE"} == {
        ("handler", "head", "supervisor")
    }
    assert rules["PROC-DISCLOSURE-INCOMPLETE"].concerns == ("head", "supervisor")
    assert rules["TIME-YELLOW"].response_days == 3
    assert [r.id for r in ruleset.rules if r.response_days] == ["TIME-YELLOW", *POST]
    assert rules["TIME-STEP-OVER"].cause_field == "step"
    assert rules["PROC-DISCLOSURE-INCOMPLETE"].cause_field == "item"


def test_every_rule_cites_a_legal_basis_and_speaks_both_languages(ruleset: RuleSet) -> None:
    for rule in ruleset.rules:
        assert "《" in rule.legal_basis or "本省" in rule.legal_basis, rule.id
        assert all((rule.title_zh, rule.title_en, rule.message_zh, rule.message_en)), rule.id
    rules = ruleset.by_id()
    assert "第三十二条" in rules["PROC-SECOND-SUPPLEMENT"].legal_basis
    assert "第三十八条" in rules["PROC-DENY-NO-REASON"].legal_basis
    assert "第四十二条" in rules["PROC-EXTENSION-TWICE"].legal_basis
    assert "第五十八条" in rules["FEE-FREE-ITEM-CHARGED"].legal_basis
    assert "第五十九条" in rules["FEE-ABOVE-STANDARD"].legal_basis
    assert "第三十条" in rules["PROC-DISCLOSURE-INCOMPLETE"].legal_basis


def test_parameters_are_substituted_and_recorded(ruleset: RuleSet) -> None:
    rules = ruleset.by_id()
    assert rules["TIME-WARNING"].condition == AllOf(
        (
            Compare("running", "eq", True),
            Compare("remaining", "lte", 3),
            Compare("remaining", "gte", 0),
        )
    )
    assert rules["TIME-WARNING"].params == {"warning_days": 3}
    assert rules["TIME-RED"].condition == AnyOf(
        (Compare("overdue", "gte", 5), Compare("yellow_unanswered_days", "gt", 3))
    )
    above = rules["FEE-ABOVE-STANDARD"].condition
    assert isinstance(above, AllOf)
    assert Compare("fee_amount", "gt", None, other="fee_standard") in above.parts


def test_sources_name_the_line_of_each_rule(ruleset: RuleSet) -> None:
    for rule in ruleset.rules:
        path, line = rule.source.rsplit(":", 1)
        name = path.rsplit("/", 1)[-1]
        assert path.endswith(f"rules/{name}")
        assert int(line) == locate(RULES / name, f"- id: {rule.id}\n")[0], rule.id


def test_the_compiled_rules_satisfy_the_reference_evaluator(ruleset: RuleSet) -> None:
    check_ruleset(ruleset)  # raises on a tree no evaluator may run


@pytest.mark.parametrize("days_past_due", range(-8, 12))
def test_the_ladder_has_one_level_for_every_day(ruleset: RuleSet, days_past_due: int) -> None:
    d = days_past_due
    found = fired(ruleset, event="sweep", running=True, remaining=-d, overdue=max(0, d))
    if d < -3:
        assert found == []
    elif d <= 0:
        assert found == ["TIME-WARNING"]
    elif d < 5:
        assert found == ["TIME-YELLOW"]
    else:
        assert found == ["TIME-RED"]


def test_no_warning_while_the_clock_is_stopped(ruleset: RuleSet) -> None:
    assert fired(ruleset, event="stop", running=False, remaining=2, overdue=0) == []


def test_an_unanswered_yellow_card_turns_red_after_its_response_days(ruleset: RuleSet) -> None:
    base = {"event": "sweep", "running": True, "remaining": -2, "overdue": 2}
    assert fired(ruleset, **base, yellow_unanswered_days=3) == ["TIME-YELLOW"]
    assert fired(ruleset, **base, yellow_unanswered_days=4) == ["TIME-YELLOW", "TIME-RED"]


@pytest.mark.parametrize(
    ("fact", "expected"),
    [
        ({"event": "sweep", "step": "handle", "step_over": 1}, ["TIME-STEP-OVER"]),
        ({"event": "sweep", "step": "handle", "step_over": 0}, []),
        ({"event": "accept", "missing_materials_count": 1}, ["PROC-ACCEPT-INCOMPLETE"]),
        ({"event": "accept", "missing_materials_count": 0}, []),
        ({"event": "sweep", "deemed_accepted": True}, ["PROC-ACCEPT-LATE"]),
        ({"event": "sweep", "deemed_accepted": False}, []),
        ({"event": "x", "supplement_notices_before_acceptance": 2}, ["PROC-SECOND-SUPPLEMENT"]),
        ({"event": "x", "supplement_notices_before_acceptance": 1}, []),
        (
            {"event": "reject", "reason_given": True, "legal_basis_given": False},
            ["PROC-REJECT-NO-REASON"],
        ),
        ({"event": "reject", "reason_given": True, "legal_basis_given": True}, []),
        ({"event": "conclude", "reviews": 0}, ["PROC-CONCLUDE-NO-REVIEW"]),
        ({"event": "conclude", "reviews": 1}, []),
        ({"event": "review", "same_handler_reviewer": True}, ["PROC-SAME-HANDLER-REVIEWER"]),
        ({"event": "review", "same_handler_reviewer": False}, []),
        (
            {"event": "conclude", "reviews": 1, "decision": "denied", "reason_given": False},
            ["PROC-DENY-NO-REASON"],
        ),
        ({"event": "conclude", "reviews": 1, "decision": "approved", "reason_given": False}, []),
    ],
)
def test_each_rule_fires_and_stays_silent(
    ruleset: RuleSet, fact: dict[str, Any], expected: list[str]
) -> None:
    assert fired(ruleset, **fact) == expected


@pytest.mark.parametrize(
    ("fact", "expected"),
    [
        ({"extension_by_head": False}, ["PROC-EXTENSION-NO-HEAD"]),
        ({"extension_days": 11, "max_extension_days": 10}, ["PROC-EXTENSION-TOO-LONG"]),
        ({"extension_days": 1, "max_extension_days": 0}, ["PROC-EXTENSION-TOO-LONG"]),
        ({"extensions_approved": 2}, ["PROC-EXTENSION-TWICE"]),
        ({"extension_after_deadline": True}, ["PROC-EXTENSION-LATE"]),
        ({}, []),
    ],
)
def test_extension_rules(ruleset: RuleSet, fact: dict[str, Any], expected: list[str]) -> None:
    lawful = {
        "extension_by_head": True,
        "extension_days": 10,
        "max_extension_days": 10,
        "extensions_approved": 1,
        "extension_after_deadline": False,
    }
    assert fired(ruleset, event="approve_extension", **{**lawful, **fact}) == expected


@pytest.mark.parametrize(
    ("fact", "expected"),
    [
        ({"event": "extend", "reason_given": False}, ["PROC-EXTENSION-NO-REASON"]),
        ({"event": "extend", "reason_given": True}, []),
        ({"event": "return", "reason_given": False}, ["PROC-RETURN-NO-REASON"]),
        ({"event": "return", "reason_given": True}, []),
        ({"event": "change_after_conclusion"}, ["PROC-CHANGE-AFTER-CONCLUSION"]),
        ({"event": "conclude", "reviews": 1}, []),
        (
            {"event": "stop", "stop_excludes_time": True, "stop_notice_given": False},
            ["PROC-STOP-NO-NOTICE"],
        ),
        ({"event": "stop", "stop_excludes_time": True, "stop_notice_given": True}, []),
        ({"event": "stop", "stop_excludes_time": False, "stop_notice_given": False}, []),
    ],
)
def test_reasons_and_changes(ruleset: RuleSet, fact: dict[str, Any], expected: list[str]) -> None:
    assert fired(ruleset, **fact) == expected


def test_disclosure_is_checked_on_item_facts_only(ruleset: RuleSet) -> None:
    def check(subject: str, missing: int) -> list[str]:
        fact = {
            "subject": subject,
            "event": "disclosure_check",
            "item": "LAWYER-PRACTICE",
            "disclosure_missing": ["fee"] * missing,
            "disclosure_missing_count": missing,
        }
        return evaluate_python(ruleset, fact)

    assert check("item", 1) == ["PROC-DISCLOSURE-INCOMPLETE"]
    assert check("item", 0) == []
    assert check("case", 1) == []


@pytest.mark.parametrize(
    ("fee", "expected"),
    [
        ({"fee_item_free": True, "fee_in_catalogue": False}, ["FEE-FREE-ITEM-CHARGED"]),
        (
            {"fee_item_free": False, "fee_in_catalogue": True, "fee_standard": 10.0},
            ["FEE-ABOVE-STANDARD"],
        ),
        ({"fee_item_free": False, "fee_in_catalogue": True, "fee_standard": 12.0}, []),
        ({"fee_item_free": False, "fee_in_catalogue": False}, ["FEE-NOT-IN-CATALOGUE"]),
    ],
)
def test_fee_rules(ruleset: RuleSet, fee: dict[str, Any], expected: list[str]) -> None:
    assert fired(ruleset, event="charge_fee", fee_amount=12.0, **fee) == expected


def test_the_version_follows_the_rule_files_bytes(ruleset: RuleSet, rules: RuleFiles) -> None:
    def version() -> str:
        return load_rulebook(rules.dir, load_catalogue(rules.dir)).version

    assert len(ruleset.version) == 16
    assert int(ruleset.version, 16) >= 0
    assert version() == ruleset.version
    rules.append("items.yaml", "# the catalogue is not a rule file\n")
    assert version() == ruleset.version
    for name in ("procedure.yaml", "fees.yaml", "timeliness.yaml"):
        before = version()
        rules.append(name, "# a comment changes the bytes\n")
        assert version() != before, name
