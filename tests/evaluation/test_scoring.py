"""Scoring (绩效评估): the known history of test_statistics.py with the supervision and
after-the-fact events of test_supervision_figures.py, scored by the shipped
rules/evaluation.yaml, every point worked out by hand below; the scoring arithmetic; the policy
carrying the evaluation rules (another version of the file gives other grades).

The shipped indicators (weight; points: 0 at `zero`, 100 at `full`, in proportion between):
    ON-TIME on_time_rate 30 (70 -> 100), EARLY early_rate 10 (50 -> 90),
    DAYS-LATE days_late_per_case 10 (2 -> 0), AVERAGE-DAYS average_days 5 (25 -> 10),
    EXTENSIONS extensions_per_100 5 (20 -> 0), SUPPLEMENTS supplements_per_100 5 (60 -> 20),
    RED-CARDS red_cards_per_100 10 (10 -> 0), ANOMALIES anomalies_per_100 5 (20 -> 0),
    SATISFACTION satisfaction_rate 15 (60 -> 100), REMEDIES-AGAINST remedies_against_rate 5
    (target 0: all or nothing);
grades 优秀 90, 良好 80, 合格 60, 不合格 0. A contribution is points x weight / (the weights of
the indicators with a value); the score adds up the contributions as shown (2 decimals).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from approval_core.context import CoreDeps
from approval_core.errors import InvalidInput
from supervisor.evaluation.schemas import EvaluationRules, Indicator
from supervisor.evaluation.scoring import EvaluationReport, evaluate, half_up, points_of
from supervisor.policy.diff import diff_policies
from supervisor.policy.value import Policy, build_policy, policy_of
from tests.conftest import KEY, FrozenClock, People
from tests.evaluation.test_statistics import LATER, Q3
from tests.evaluation.test_supervision_figures import recorded

# By department, Q3:
# LAWYER-DIV: timed 5 (on time 4, late 1 by 3 days), early 3, average 15.0, accepted 5, no
# extension, received 6 with 1 supplement notice; 1 red card and 2 anomalies; ratings 2 of 4
# satisfied; remedies decided 2, 1 against. Every indicator has a value: weights as written.
#   ON-TIME 80%: (80 - 70) / 30 = 33.33 points x 30% = 10
#   EARLY 60%: (60 - 50) / 40 = 25 x 10% = 2.5
#   DAYS-LATE 3 / 5 = 0.6: (2 - 0.6) / 2 = 70 x 10% = 7
#   AVERAGE-DAYS 15: (25 - 15) / 15 = 66.67 x 5% = 3.33
#   EXTENSIONS 0: 100 x 5% = 5
#   SUPPLEMENTS 16.67 per 100 (better than 20): 100 x 5% = 5
#   RED-CARDS 20 per 100, ANOMALIES 40 per 100, SATISFACTION 50%, REMEDIES-AGAINST 50%: 0
#   score 32.83: 不合格
# PLS-DIV: E alone: on time, not early, 25 days, one extension of 1 accepted, no supplement,
# no card, 1 anomaly (100 per 100), satisfied (100%), its reconsideration not decided: no value,
# so the other weights count out of 95.
#   ON-TIME 100 x 30 / 95 = 31.58; DAYS-LATE, RED-CARDS 100 x 10 / 95 = 10.53 each;
#   SUPPLEMENTS 100 x 5 / 95 = 5.26; SATISFACTION 100 x 15 / 95 = 15.79; the rest 0.
#   score 31.58 + 10.53 + 5.26 + 10.53 + 15.79 = 73.69: 合格, ranked first.
LAWYER_DIV = {
    "ON-TIME": (80.0, 33.33, 10.0),
    "EARLY": (60.0, 25.0, 2.5),
    "DAYS-LATE": (0.6, 70.0, 7.0),
    "AVERAGE-DAYS": (15.0, 66.67, 3.33),
    "EXTENSIONS": (0.0, 100.0, 5.0),
    "SUPPLEMENTS": (16.6667, 100.0, 5.0),
    "RED-CARDS": (20.0, 0.0, 0.0),
    "ANOMALIES": (40.0, 0.0, 0.0),
    "SATISFACTION": (50.0, 0.0, 0.0),
    "REMEDIES-AGAINST": (50.0, 0.0, 0.0),
}
PLS_DIV = {
    "ON-TIME": (100.0, 100.0, 31.58),
    "EARLY": (0.0, 0.0, 0.0),
    "DAYS-LATE": (0.0, 100.0, 10.53),
    "AVERAGE-DAYS": (25.0, 0.0, 0.0),
    "EXTENSIONS": (100.0, 0.0, 0.0),
    "SUPPLEMENTS": (0.0, 100.0, 5.26),
    "RED-CARDS": (0.0, 100.0, 10.53),
    "ANOMALIES": (100.0, 0.0, 0.0),
    "SATISFACTION": (100.0, 100.0, 15.79),
    "REMEDIES-AGAINST": (None, None, None),
}


def parts(unit: Any) -> dict[str, tuple[float | None, float | None, float | None]]:
    """indicator code -> (value, points, contribution)."""
    return {p.code: (p.value, p.points, p.contribution) for p in unit.indicators}


def report(sessions: sessionmaker[Session], core: CoreDeps, by: Any) -> EvaluationReport:
    with sessions() as session:
        return evaluate(session, core, Q3[0], Q3[1], by, LATER)


def test_known_history_by_department(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> None:
    recorded(sessions, core, people, clock)
    found = report(sessions, core, "department")
    assert [(u.key, u.score, u.grade, u.grade_en, u.rank) for u in found.units] == [
        ("PLS-DIV", 73.69, "合格", "pass", 1),
        ("LAWYER-DIV", 32.83, "不合格", "fail", 2),
    ]
    pls, lawyer = found.units
    assert parts(lawyer) == LAWYER_DIV
    assert parts(pls) == PLS_DIV
    # The score is the sum of the contributions shown; each part says how it came about.
    assert sum(p.contribution or 0 for p in lawyer.indicators) == pytest.approx(32.83)
    on_time = lawyer.indicators[0]
    assert (on_time.measure, on_time.weight, on_time.applied_weight) == ("on_time_rate", 30, 30)
    assert on_time.name_zh == "按时办结率"
    assert on_time.working_zh == "80（70 得 0 分，100 得满分）→ 33.33 × 30% = 10"
    remedies = pls.indicators[-1]
    assert (remedies.applied_weight, remedies.working_en) == (
        0.0,
        "nothing to measure: left out, its weight shared among the other indicators",
    )
    assert pls.indicators[0].applied_weight == 31.5789  # 30 of the 95 measured
    assert on_time.explanation_zh.startswith("行政许可法第四十二条")
    assert lawyer.figures.late == 1
    assert found.policy_version == policy_of(core).version


def test_known_history_by_handler(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> None:
    recorded(sessions, core, people, clock)
    a = people.actors
    found = report(sessions, core, "handler")
    # handler2: B and D, both on time (30), one early of 2 (50%: 0), none late (10), 16 days on
    # average ((25 - 16) / 15 = 60 x 5% = 3), no extension (5), no supplement (5), no card (10),
    # B's 2 anomalies of 2 accepted (0), D satisfied (15), B's litigation kept (0% against:
    # target met, 5): 83, 良好.
    # other_handler: E, as PLS-DIV: 73.69, 合格.
    # handler: H A C, on time 2 of 3 (66.67%, below 70: 0); early 2 of 3: (66.67 - 50) / 40 =
    # 41.67 x 10% = 4.17; 3 days late / 3 = 1: 50 x 10% = 5; 14.33 days: (25 - 14.33) / 15 =
    # 71.13 x 5% = 3.56; no extension: 5; 1 supplement notice of 3 received = 33.33 per 100:
    # (60 - 33.33) / 40 = 66.67 x 5% = 3.33; C's red card, 33.33 per 100: 0; no anomaly: 5;
    # 1 of 3 satisfied: 0; C revoked: 0. Score 26.06: 不合格.
    # "-": F, nobody assigned (and the complaint about the department): not graded.
    assert [(u.key, u.score, u.grade, u.rank) for u in found.units] == [
        (str(a["handler2"].user_id), 83.0, "良好", 1),
        (str(a["other_handler"].user_id), 73.69, "合格", 2),
        (str(a["handler"].user_id), 26.06, "不合格", 3),
        ("-", None, None, None),
    ]
    handler = found.units[2]
    assert {k: v[1:] for k, v in parts(handler).items()} == {
        "ON-TIME": (0.0, 0.0),
        "EARLY": (41.67, 4.17),
        "DAYS-LATE": (50.0, 5.0),
        "AVERAGE-DAYS": (71.13, 3.56),
        "EXTENSIONS": (100.0, 5.0),
        "SUPPLEMENTS": (66.67, 3.33),
        "RED-CARDS": (0.0, 0.0),
        "ANOMALIES": (100.0, 5.0),
        "SATISFACTION": (0.0, 0.0),
        "REMEDIES-AGAINST": (0.0, 0.0),
    }
    unassigned = found.units[3]
    assert unassigned.not_graded_en == "cases nobody was assigned are not graded"


def test_units_the_policy_does_not_score_are_refused(
    sessions: sessionmaker[Session], core: CoreDeps
) -> None:
    with pytest.raises(InvalidInput) as refused:
        report(sessions, core, "item")
    assert refused.value.field == "by"
    assert refused.value.detail_zh == "绩效评估规则只评定 department, handler，不评定 item"


def _indicator(**fields: Any) -> Indicator:
    base = {"code": "X", "measure": "on_time_rate", "weight": 100, "direction": "higher"}
    base |= {"explain_zh": "说明", "explain_en": "why"}
    return Indicator.model_validate(base | fields)


def test_points_of_target_and_scale() -> None:
    at_least = _indicator(target=95)
    assert (points_of(at_least, 95), points_of(at_least, 94.99)) == (100, 0)
    at_most = _indicator(direction="lower", measure="late_rate", target=5)
    assert (points_of(at_most, 5), points_of(at_most, 5.01)) == (100, 0)
    rising = _indicator(scale={"full": 100, "zero": 80})
    assert [points_of(rising, v) for v in (70, 80, 85, 100, 120)] == [0, 0, 25, 100, 100]
    falling = _indicator(direction="lower", measure="average_days", scale={"full": 10, "zero": 30})
    assert [points_of(falling, v) for v in (5, 10, 15, 30, 40)] == [100, 100, 75, 0, 0]
    # Half up, as people round by hand (round() would give 14.62 and 0.12).
    assert (half_up(14.625), half_up(0.125), half_up(2.675)) == (14.63, 0.13, 2.68)


def _with_evaluation(policy: Policy, old: str, new: str) -> Policy:
    files = dict(policy.files)
    text = files["evaluation.yaml"].decode()
    assert old in text
    files["evaluation.yaml"] = text.replace(old, new).encode()
    return build_policy(files, "python")


def test_the_policy_carries_the_evaluation_rules(
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    policy: Policy,
) -> None:
    recorded(sessions, core, people, clock)
    assert isinstance(policy.evaluation, EvaluationRules)
    # The pass mark lowered to 30 in another version of the files: LAWYER-DIV's 32.83 passes
    # with that policy, while the policy in force still fails it.
    lower = _with_evaluation(policy, "合格: 60", "合格: 30")
    with sessions() as session:
        other = evaluate(session, lower.deps(KEY, clock), Q3[0], Q3[1], "department", LATER)
    assert [(u.key, u.grade) for u in other.units] == [("PLS-DIV", "合格"), ("LAWYER-DIV", "合格")]
    assert other.policy_version == lower.version != policy.version
    assert [u.grade for u in report(sessions, core, "department").units] == ["合格", "不合格"]
    # A reload names the change.
    changes = diff_policies(policy, lower)
    assert changes["evaluation"] == {"grades.合格": {"from": 60.0, "to": 30.0}}
    assert changes["files"]["changed"] == ["evaluation.yaml"]


def test_a_policy_without_evaluation_rules_scores_nothing(
    sessions: sessionmaker[Session], clock: FrozenClock, policy: Policy
) -> None:
    files = {k: v for k, v in policy.files.items() if not k.endswith("evaluation.yaml")}
    bare = build_policy(files, "python")
    assert bare.evaluation is None
    with sessions() as session, pytest.raises(InvalidInput) as refused:
        evaluate(session, bare.deps(KEY, clock), Q3[0], Q3[1], "department", LATER)
    assert "rules/evaluation.yaml" in refused.value.detail_zh
