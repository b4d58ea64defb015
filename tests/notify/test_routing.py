"""rules/notifications.yaml: the shipped file, faults reported in place with a did-you-mean,
quiet hours, and working hours that follow the legal calendar (调休)."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from approval_core.calendar import load_calendar
from approval_core.errors import ConfigError
from supervisor.notify.routing import (
    Hours,
    check_routing,
    expand_concerned,
    known_codes,
    load_routing,
)
from supervisor.policy.value import load_policy
from supervisor.runtime import Supervisor
from tests.conftest import RULES
from tests.support import bj


def _rules_with(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder)
    (folder / "notifications.yaml").write_text(text, encoding="utf-8")
    return folder


def test_the_shipped_routing_is_valid_and_routes_by_level_and_rule() -> None:
    rules = load_routing(RULES)
    assert rules is not None
    yellow = SimpleNamespace(
        level="yellow", rule_id="TIME-YELLOW", item_code="X", department_code="D"
    )
    warning = SimpleNamespace(
        level="warning", rule_id="TIME-WARNING", item_code="X", department_code="D"
    )
    step = SimpleNamespace(
        level="warning", rule_id="TIME-STEP-OVER", item_code="X", department_code="D"
    )
    (route,) = rules.routes_for(yellow)
    assert (route.to, route.escalate, route.repeat_working_days) == (["concerned"], [], 2)
    (route,) = rules.routes_for(warning)
    assert (route.to, route.escalate[0].to, route.escalate[0].after_working_days) == (
        ["concerned"],
        ["head"],
        1,
    )
    assert [(r.to, r.digest_only) for r in rules.routes_for(step)] == [(["concerned"], True)]


def test_concerned_stands_for_the_rule_concerns_and_is_the_default(tmp_path: Path) -> None:
    folder = _rules_with(tmp_path, "routes:\n  - name: a\n  - name: b\n    to: [user:7]\n")
    rules = load_routing(folder)
    assert rules is not None
    assert [r.to for r in rules.routes] == [["concerned"], ["user:7"]]
    concerns = ["handler", "head", "supervisor"]
    assert expand_concerned(["concerned", "user:7"], concerns) == [
        "handler",
        "head",
        "supervisors",
        "user:7",
    ]
    assert expand_concerned(["head", "concerned"], ["head", "supervisor"]) == [
        "head",
        "supervisors",
    ]


def test_a_misspelt_concerned_is_named_in_place(tmp_path: Path) -> None:
    folder = _rules_with(
        tmp_path,
        "routes:\n  - name: a\n    to: [head]\n"
        "    escalate:\n      - after_working_days: 1\n        to: [head, concernd]\n",
    )
    (problem,) = check_routing(folder)
    assert "notifications.yaml:6:20: 未知的接收人 concernd（是否想写 concerned？）" in problem
    assert "unknown recipient concernd (did you mean concerned?)" in problem


def test_faults_point_at_file_line_column_with_a_suggestion(tmp_path: Path) -> None:
    folder = _rules_with(
        tmp_path,
        "groups:\n  监察室: {roles: [supervisor]}\n"
        "routes:\n"
        "  - name: a\n    to: [handlr]\n"
        "  - name: c\n    to: [head]\n    escalat: []\n"
        'quiet_hours: {start: "25:00", end: "07:00"}\n',
    )
    problems = check_routing(folder)
    text = "\n".join(problems)
    assert "notifications.yaml:5:10:" in text
    assert "handler" in text  # did you mean handler?
    assert "escalate" in text  # unknown key escalat, did you mean escalate
    assert "notifications.yaml:9:15:" in text  # the bad quiet-hours clock
    with pytest.raises(ConfigError):
        load_routing(folder)


def test_an_unknown_group_is_named_where_it_is_used(tmp_path: Path) -> None:
    folder = _rules_with(
        tmp_path,
        "groups:\n  监察室: {roles: [supervisor]}\n"
        "routes:\n"
        "  - name: b\n    to: [head, group:监察]\n",
    )
    (problem,) = check_routing(folder)
    assert "notifications.yaml:5:16: 未定义的组 监察（是否想写 监察室？）" in problem


def test_quiet_hours_hold_back_all_but_red() -> None:
    rules = load_routing(RULES)
    assert rules is not None
    hours = Hours(rules, load_calendar(RULES))
    late = bj(2026, 3, 3, 23, 10)
    assert hours.send_at(late, "yellow", False) == bj(2026, 3, 4, 7, 0)
    assert hours.send_at(late, "red", False) == late
    assert hours.send_at(bj(2026, 3, 4, 6, 0), "warning", False) == bj(2026, 3, 4, 7, 0)


def test_working_hours_follow_the_legal_calendar() -> None:
    rules = load_routing(RULES)
    assert rules is not None
    hours = Hours(rules, load_calendar(RULES))
    # Fri 2026-02-27 evening: the next working time is Sat 2/28, a 调休 working day.
    assert hours.send_at(bj(2026, 2, 27, 18), "anomaly", True) == bj(2026, 2, 28, 8, 30)
    # Sat 2026-03-07 is an ordinary weekend: wait for Monday.
    assert hours.send_at(bj(2026, 3, 7, 10), "anomaly", True) == bj(2026, 3, 9, 8, 30)
    # Escalation "after 1 working day" from Fri 2/27 lands on Sat 2/28.
    assert hours.after_working_days(bj(2026, 2, 27, 10), 1) == bj(2026, 2, 28, 10)


def test_a_faulty_edit_refuses_the_whole_policy(tmp_path: Path) -> None:
    """Routing is part of the policy: a faulty routing file refuses the policy (its problem
    named), and the routing in force stays what the last good policy said."""
    folder = _rules_with(tmp_path, (RULES / "notifications.yaml").read_text(encoding="utf-8"))
    sup = Supervisor.from_dir(folder, "python")
    good = sup.policy.routing
    assert good is not None
    (folder / "notifications.yaml").write_text("routes:\n  - name: x\n    to: [nobody]\n")
    with pytest.raises(ConfigError) as refused:
        load_policy(folder, "python")
    assert any("notifications.yaml:3:10:" in p for p in refused.value.problems)
    assert "notifications.yaml:3:10:" in check_routing(folder)[0]
    assert sup.policy.routing is good  # nothing takes effect by being saved


def test_rules_items_and_departments_named_by_routes_must_exist(tmp_path: Path) -> None:
    folder = _rules_with(
        tmp_path,
        "routes:\n  - name: a\n    to: [head]\n"
        "    when: {rules: [TIME-YELOW], items: [LAWYER-PRACTICE]}\n",
    )
    (problem,) = check_routing(folder, known_codes(folder))
    assert "notifications.yaml:4:20: 未知的编码 TIME-YELOW（是否想写 TIME-YELLOW？）" in problem
    assert check_routing(RULES, known_codes(RULES)) == []
