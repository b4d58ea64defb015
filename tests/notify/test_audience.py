"""Who is told about each rule (supervisor/notify/audience.py): the shipped rules reach the
people docs/DOMAIN.md and issue 10 name, and a rule that reaches nobody is a warning."""

from __future__ import annotations

import pytest

from approval_core.catalogue.service import load_catalogue
from supervisor.notify.audience import Audience, audience, audience_lines, audience_warnings
from supervisor.notify.routing import NotificationRules, load_routing
from supervisor.rulebook import load_rulebook
from supervisor.rulebook.compiled import RuleSet
from tests.conftest import RULES


@pytest.fixture(scope="module")
def ruleset() -> RuleSet:
    return load_rulebook(RULES, load_catalogue(RULES))


@pytest.fixture(scope="module")
def shipped(ruleset: RuleSet) -> dict[str, Audience]:
    routing = load_routing(RULES)
    assert routing is not None
    return {entry.rule_id: entry for entry in audience(ruleset, routing)}


def _routing(routes: list[dict[str, object]], **more: object) -> NotificationRules:
    return NotificationRules.model_validate({"routes": routes, **more}, strict=False)


def test_every_shipped_rule_reaches_someone(ruleset: RuleSet, shipped: dict[str, Audience]) -> None:
    assert list(shipped) == [rule.id for rule in ruleset.rules]
    assert audience_warnings(list(shipped.values())) == []
    assert all(entry.recipients for entry in shipped.values())


def test_every_anomaly_reaches_the_head_and_the_supervision_office(
    ruleset: RuleSet, shipped: dict[str, Audience]
) -> None:
    anomalies = [rule for rule in ruleset.rules if rule.level == "anomaly"]
    assert {r.id for r in anomalies} >= {
        "FEE-FREE-ITEM-CHARGED",
        "PROC-ACCEPT-LATE",
        "POST-COMPLAINT-RECEIVED",
        "POST-RATING-NEGATIVE",
        "PROC-DISCLOSURE-INCOMPLETE",
    }
    for rule in anomalies:
        told = shipped[rule.id].recipients
        assert {"head", "supervisors"} <= set(told), rule.id
        # the handler too, except where there is none (an item's disclosure)
        assert ("handler" in told) == (rule.id != "PROC-DISCLOSURE-INCOMPLETE"), rule.id


def test_the_ladder_reaches_whom_the_domain_says(shipped: dict[str, Audience]) -> None:
    (warning,) = shipped["TIME-WARNING"].reaches
    assert (warning.recipients, warning.escalations, warning.digest_only) == (
        ("handler",),
        ((1, ("head",)),),
        False,
    )
    (step,) = shipped["TIME-STEP-OVER"].reaches
    assert (step.recipients, step.digest_only) == (("handler",), True)
    assert shipped["TIME-YELLOW"].recipients == ("handler", "head")
    assert shipped["TIME-RED"].recipients == ("head", "supervisors")
    assert shipped["POST-COMPLAINT-OVERDUE"].recipients == ("head", "supervisors")


def test_the_table_names_people_and_channels_in_chinese_and_english(
    shipped: dict[str, Audience],
) -> None:
    lines = audience_lines(list(shipped.values()))
    assert lines[0] == "谁会收到通知 / Who is told:"
    red = next(line for line in lines if " TIME-RED " in f" {line.strip()} ")
    assert red.strip().startswith("TIME-RED 红牌：负责人、监察室（站内信及登记的全部渠道）")
    assert "/ red: head, supervision office (inbox and every registered channel)" in red
    step = next(line for line in lines if "TIME-STEP-OVER" in line)
    assert "承办人（每日汇总：" in step
    assert "handler (daily digest: " in step
    warning = next(line for line in lines if "TIME-WARNING" in line)
    assert "1 个工作日无人确认升级给负责人" in warning


def test_a_rule_without_a_route_reaches_nobody_and_is_warned_of(ruleset: RuleSet) -> None:
    routing = _routing([{"name": "只管预警", "when": {"levels": ["warning"]}}])
    entries = {e.rule_id: e for e in audience(ruleset, routing)}
    assert entries["TIME-WARNING"].warnings == ()
    fee = entries["FEE-FREE-ITEM-CHARGED"]
    assert (fee.reaches, fee.recipients) == ((), ())
    (warning,) = fee.warnings
    assert warning.startswith(f"{fee.source}: FEE-FREE-ITEM-CHARGED（异常）没有匹配的通知路由")
    assert warning.endswith(
        "FEE-FREE-ITEM-CHARGED (anomaly): no notification route matches it, nobody is told"
    )
    line = next(x for x in audience_lines(list(entries.values())) if "FEE-FREE" in x)
    assert line.endswith("FEE-FREE-ITEM-CHARGED 异常：无人 / anomaly: nobody")
    warned = {w.split(": ", 1)[1].split("（")[0] for w in audience_warnings(list(entries.values()))}
    assert warned == {r.id for r in ruleset.rules if r.level != "warning"}


def test_a_route_naming_an_empty_group_reaches_nobody(ruleset: RuleSet) -> None:
    routing = _routing(
        [{"name": "空组", "when": {"rules": ["TIME-RED"]}, "to": ["group:空"]}],
        groups={"空": {}},
    )
    red = next(e for e in audience(ruleset, routing) if e.rule_id == "TIME-RED")
    assert red.reaches[0].recipients == ()
    (warning,) = red.warnings
    assert "匹配的路由（空组）没有接收人，不会告知任何人" in warning
    assert "the routes matching it (空组) name no recipient, nobody is told" in warning


def test_routes_limited_to_some_items_leave_the_rest_untold(ruleset: RuleSet) -> None:
    routing = _routing(
        [
            {"name": "律师", "when": {"levels": ["red"], "items": ["LAWYER-PRACTICE"]}},
            {"name": "个人", "when": {"levels": ["yellow"]}, "to": ["user:7", "concerned"]},
        ]
    )
    entries = {e.rule_id: e for e in audience(ruleset, routing)}
    red = entries["TIME-RED"]
    assert (red.recipients, red.reaches[0].items) == (("head", "supervisors"), ("LAWYER-PRACTICE",))
    (warning,) = red.warnings
    assert "只在路由限定的事项或部门中告知" in warning
    assert entries["TIME-YELLOW"].recipients == ("user:7", "handler", "head")
    assert entries["TIME-YELLOW"].warnings == ()
    line = next(x for x in audience_lines(list(entries.values())) if "TIME-YELLOW" in x)
    assert "用户 7、承办人、负责人" in line
    assert "user 7, handler, head" in line
