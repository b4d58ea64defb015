"""What this process runs on: the rule set in force, its last reload, engine errors, calendar years.

Read from the `Supervisor` and the loaded calendar at scrape time (no database). Every process
reports its own, so a rule set or calendar that one process failed to reload shows up.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from approval_core.timeutil import Clock, legal_date
from supervisor.runtime import Supervisor


class RulesCollector:
    """`sunlight_rules_*`, `sunlight_engine_errors_total`, `sunlight_calendar_year_entered`."""

    def __init__(self, sup: Supervisor, now: Clock) -> None:
        self.sup = sup
        self.now = now

    def describe(self) -> Iterator[Metric]:
        return self._families(filled=False)

    def collect(self) -> Iterator[Metric]:
        return self._families(filled=True)

    def _families(self, *, filled: bool) -> Iterator[Metric]:
        sup, status = self.sup, self.sup.status
        policy = sup.policy
        info = GaugeMetricFamily(
            "sunlight_rules_info",
            "The rule set in force (version: content hash); always 1",
            labels=["version"],
        )
        ok = GaugeMetricFamily(
            "sunlight_rules_last_reload_success",
            "1 if the last load or reload of the rule files succeeded, 0 if it was refused",
        )
        at = GaugeMetricFamily(
            "sunlight_rules_last_reload_timestamp_seconds",
            "When the rules were last (re)loaded or a reload was refused (Unix time)",
        )
        errors = CounterMetricFamily(
            "sunlight_engine_errors", "Rule engine failures (and evaluator disagreements)"
        )
        years = GaugeMetricFamily(
            "sunlight_calendar_year_entered",
            "1 if the year's holiday notice is in rules/calendar.yaml, 0 if its deadlines are "
            "provisional (this year and next)",
            labels=["year"],
        )
        if filled:
            info.add_metric([policy.version], 1)
            ok.add_metric([], 1 if status.ok else 0)
            moment = status.at.timestamp() if status.at else sup.metrics.rules_loaded_at
            at.add_metric([], moment)
            errors.add_metric([], sup.engine_errors)
            this_year = legal_date(self.now()).year
            for year in (this_year, this_year + 1):
                entered = not policy.calendar.is_provisional_year(year)
                years.add_metric([str(year)], 1 if entered else 0)
        return iter((info, ok, at, errors, years))
