"""The timeliness ladder (预警 → 黄牌 → 红牌): its thresholds checked for gaps and overlaps.

On the axis d = working days past the due date (d = -remaining before it, = overdue after it) the
ladder of rules/timeliness.yaml gives warning [-W, 0], yellow [Y, R-1] and red [R, ∞), with
W = warning_days, Y = yellow_overdue_days, R = red_overdue_days. Without gap or overlap that means
W ≥ 1, Y = 1 exactly (above 1 leaves days with no alert, below 1 shows a yellow card on a case
still on time) and R > Y (else the yellow band is empty). The rules of the section may compare
`remaining` and `overdue` only with these parameters (or 0; see `conditions.Scope.axis_params`),
so these checks cover every threshold of the ladder.
"""

from __future__ import annotations

from typing import Any

from approval_core.yamlsource import Loc, Problem

LADDER_LOC: Loc = ("supervision", "ladder")
# The thresholds on the axis, in ladder order (yellow_response_days is not one of them).
AXIS_PARAMS: tuple[str, ...] = ("warning_days", "yellow_overdue_days", "red_overdue_days")


def ladder_problems(ladder: Any) -> list[Problem]:
    """Gaps and overlaps between the ladder's thresholds in the raw `ladder:` mapping.

    Values that are not integers are left to the schema check, which reports them already.
    """
    if not isinstance(ladder, dict):
        return []
    w, y, r = (_int(ladder.get(k)) for k in AXIS_PARAMS)
    return [*_warning(w), *_yellow(y), *_red(y, r)]


def _warning(w: int | None) -> list[Problem]:
    if w is None or w >= 1:
        return []
    return [
        _at(
            "warning_days",
            f"预警阈值 warning_days 为 {w}：须至少为 1（到期前至少 1 个工作日预警）",
            f"warning_days is {w}: it must be at least 1 (warn at least 1 working day ahead)",
        )
    ]


def _yellow(y: int | None) -> list[Problem]:
    if y is None or y == 1:
        return []
    if y > 1:
        return [
            _at(
                "yellow_overdue_days",
                f"预警与黄牌之间有空档：超期 1 至 {y - 1} 个工作日的案件既无预警也无黄牌；"
                "yellow_overdue_days 须为 1",
                f"gap between warning and yellow: a case 1 to {y - 1} working days overdue gets "
                "neither a warning nor a yellow card; yellow_overdue_days must be 1",
            )
        ]
    return [
        _at(
            "yellow_overdue_days",
            f"黄牌与预警重叠：yellow_overdue_days 为 {y} 时，到期当日尚未超期的案件"
            "既预警又亮黄牌；须为 1",
            f"yellow overlaps warning: with yellow_overdue_days {y} a case on its due date, "
            "not yet overdue, gets both a warning and a yellow card; it must be 1",
        )
    ]


def _red(y: int | None, r: int | None) -> list[Problem]:
    if y is None or r is None or r > y:
        return []
    return [
        _at(
            "red_overdue_days",
            f"红牌与黄牌重叠：red_overdue_days（{r}）须大于 yellow_overdue_days（{y}），"
            "否则黄牌区间为空",
            f"red overlaps yellow: red_overdue_days ({r}) must be greater than "
            f"yellow_overdue_days ({y}), or the yellow band is empty",
        )
    ]


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _at(key: str, zh: str, en: str) -> Problem:
    return Problem((*LADDER_LOC, key), zh, en)
