"""The fixed set of measures an evaluation indicator may score (rules/evaluation.yaml).

A measure turns one unit's statistics (`statistics.Row`) into one number, or None when the
unit has nothing it could be measured on (no concluded case for a rate of concluded cases).
Policy staff choose among these and weigh them; they cannot write formulas, so that every
score can be explained in plain words and reproduced from the statistics.

Rates are percentages (0-100). "Timed" cases are the concluded cases whose review clock started
(on_time + late): the only ones whose timeliness can be measured. Alerts, cards and anomalies
are counted per 100 cases accepted in the period (the work a unit took on).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from supervisor.evaluation.statistics import Row

Kind = Literal["rate", "days", "hours", "count", "per_100"]


@dataclass(frozen=True)
class Measure:
    """One measure: its name, what it counts (zh / en), and how it is computed from a Row."""

    name: str
    kind: Kind
    name_zh: str
    name_en: str
    how_zh: str  # how it is computed, in plain words
    how_en: str
    compute: Callable[[Row], float | None]

    def value(self, row: Row) -> float | None:
        found = self.compute(row)
        return None if found is None else round(found, 4)


def _share(part: int, whole: int, scale: float = 100.0) -> float | None:
    return None if whole <= 0 else scale * part / whole


def _timed(row: Row) -> int:
    return row.on_time + row.late


_MEASURES = (
    Measure(
        "on_time_rate",
        "rate",
        "按时办结率",
        "on-time rate",
        "按时办结（含依法延期）的案件占计时办结案件的百分比",
        "cases concluded within the statutory limit (+ lawful extension), as a percentage of "
        "the timed concluded cases",
        lambda r: _share(r.on_time, _timed(r)),
    ),
    Measure(
        "early_rate",
        "rate",
        "提前办结率",
        "early rate",
        "在承诺时限内办结的案件占计时办结案件的百分比",
        "cases concluded within the promised limit, as a percentage of the timed concluded cases",
        lambda r: _share(r.concluded_early, _timed(r)),
    ),
    Measure(
        "late_rate",
        "rate",
        "超期办结率",
        "late rate",
        "超过法定时限办结的案件占计时办结案件的百分比",
        "cases concluded after the statutory limit, as a percentage of the timed concluded cases",
        lambda r: _share(r.late, _timed(r)),
    ),
    Measure(
        "days_late_per_case",
        "days",
        "平均超期工作日",
        "working days late per case",
        "超期工作日之和除以计时办结案件数",
        "working days overdue, added up, divided by the timed concluded cases",
        lambda r: _share(r.days_late, _timed(r), 1.0),
    ),
    Measure(
        "average_days",
        "days",
        "平均办理工作日",
        "average working days",
        "计时办结案件平均用去的工作日（中止时间不计）",
        "mean working days the clock counted for the timed concluded cases (stops left out)",
        lambda r: r.average_days,
    ),
    Measure(
        "extensions_per_100",
        "per_100",
        "每百件受理延期数",
        "extensions per 100 accepted",
        "批准延期次数除以受理件数，乘以 100",
        "approved extensions per 100 accepted cases",
        lambda r: _share(r.extensions, r.accepted),
    ),
    Measure(
        "supplements_per_100",
        "per_100",
        "每百件收件补正数",
        "supplement notices per 100 received",
        "补正告知次数除以收件数，乘以 100",
        "supplement notices per 100 received applications",
        lambda r: _share(r.supplements, r.received),
    ),
    Measure(
        "rejection_rate",
        "rate",
        "不予受理率",
        "rejection rate",
        "不予受理件数占作出受理决定件数（受理 + 不予受理）的百分比",
        "rejected applications as a percentage of acceptance decisions (accepted + rejected)",
        lambda r: _share(r.rejected, r.accepted + r.rejected),
    ),
    Measure(
        "p90_days",
        "days",
        "九成案件办理工作日",
        "working days of 9 in 10 cases",
        "计时办结案件用去工作日的第 90 百分位数（九成案件不超过此数）",
        "the 90th percentile of the working days the timed concluded cases used",
        lambda r: None if r.p90_days is None else float(r.p90_days),
    ),
    Measure(
        "warnings_per_100",
        "per_100",
        "每百件受理预警数",
        "warnings per 100 accepted",
        "期间内打开的预警数除以受理件数，乘以 100",
        "warnings opened in the period per 100 accepted cases",
        lambda r: _share(r.alerts_warning, r.accepted),
    ),
    Measure(
        "yellow_cards_per_100",
        "per_100",
        "每百件受理黄牌数",
        "yellow cards per 100 accepted",
        "期间内亮出的黄牌数除以受理件数，乘以 100",
        "yellow cards opened in the period per 100 accepted cases",
        lambda r: _share(r.alerts_yellow, r.accepted),
    ),
    Measure(
        "red_cards_per_100",
        "per_100",
        "每百件受理红牌数",
        "red cards per 100 accepted",
        "期间内亮出的红牌数除以受理件数，乘以 100",
        "red cards opened in the period per 100 accepted cases",
        lambda r: _share(r.alerts_red, r.accepted),
    ),
    Measure(
        "anomalies_per_100",
        "per_100",
        "每百件受理异常数",
        "anomalies per 100 accepted",
        "期间内发现的程序、收费等异常数除以受理件数，乘以 100",
        "anomalies (procedure, fees ...) found in the period per 100 accepted cases",
        lambda r: _share(r.anomalies, r.accepted),
    ),
    Measure(
        "card_response_hours",
        "hours",
        "黄红牌平均回告小时",
        "hours to answer a card",
        "已摘除的黄牌、红牌从亮牌到回告的平均小时数",
        "mean hours from a removed yellow or red card's opening to its answer",
        lambda r: r.card_response_hours,
    ),
    Measure(
        "complaints_per_100",
        "per_100",
        "每百件受理投诉数",
        "complaints per 100 accepted",
        "期间内收到的投诉数除以受理件数，乘以 100",
        "complaints received in the period per 100 accepted cases",
        lambda r: _share(r.complaints, r.accepted),
    ),
    Measure(
        "complaints_late_rate",
        "rate",
        "投诉逾期受理率",
        "complaints accepted late",
        "逾期（超过 5 个工作日）受理的投诉占已受理投诉的百分比",
        "complaints accepted after 5 working days, as a percentage of the accepted complaints",
        lambda r: _share(
            r.complaints_accepted_late, r.complaints_accepted_in_time + r.complaints_accepted_late
        ),
    ),
    Measure(
        "remedies_against_rate",
        "rate",
        "复议诉讼纠错率",
        "decisions corrected on review",
        "行政复议、行政诉讼中被撤销、变更或确认违法的决定占已审结件数的百分比",
        "reconsiderations and lawsuits decided against the decision (revoked, changed), as a "
        "percentage of those decided",
        lambda r: _share(r.remedies_against, r.remedies_decided),
    ),
    Measure(
        "satisfaction_rate",
        "rate",
        "满意率",
        "satisfaction rate",
        "好差评中非常满意、满意、基本满意占全部评价的百分比",
        "ratings of very satisfied, satisfied or fairly satisfied, as a percentage of all ratings",
        lambda r: _share(r.ratings_satisfied, r.ratings),
    ),
    Measure(
        "concluded",
        "count",
        "办结件数",
        "cases concluded",
        "期间内办结的案件数",
        "cases concluded in the period",
        lambda r: float(r.concluded),
    ),
)

MEASURES: dict[str, Measure] = {m.name: m for m in _MEASURES}
