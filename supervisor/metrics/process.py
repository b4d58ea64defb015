"""Counters and histograms of one process: facts judged, rule evaluations, alerts, sweeps.

They live on the `Supervisor` (one per process) and are registered in no global registry: each
app or worker adds them to a registry of its own (`registry.build_registry`), so tests can build
several apps side by side. Every known label value is created up front, so a series exists with
0 before its first event (Prometheus's `rate()` and `increase()` need the zero).
"""

from __future__ import annotations

import time
from collections import Counter as Tally
from collections.abc import Iterable
from datetime import datetime

from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.registry import Collector

LEVELS = ("warning", "yellow", "red", "anomaly")
# The delivery channels of rules/notifications.yaml (issue 4); declared now so dashboards and
# alert rules can name them before the notifier exists.
CHANNELS = ("webhook", "email", "wecom", "dingtalk", "alertmanager", "inbox", "sms")
# A memoised verdict takes microseconds, a durable-rules call about a millisecond.
EVALUATION_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5)
SWEEP_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


def _counter(name: str, doc: str, label: str, values: Iterable[str]) -> Counter:
    """A counter with one label, every known value of it created at 0."""
    counter = Counter(name, doc, [label], registry=None)
    for value in values:
        counter.labels(value)
    return counter


class SupervisorMetrics:
    """The process's own counters; bumped by the supervisor, read by every scrape."""

    def __init__(self) -> None:
        # The rules are loaded with the Supervisor that owns these metrics: the first "reload".
        self.rules_loaded_at = time.time()
        self.facts_processed = Counter(
            "sunlight_facts_processed", "Facts from the outbox judged here", registry=None
        )
        self.rule_evaluation_seconds = Histogram(
            "sunlight_rule_evaluation_seconds",
            "Time to evaluate one fact against the rule set in force",
            buckets=EVALUATION_BUCKETS,
            registry=None,
        )
        self.alerts_opened = _counter(
            "sunlight_alerts_opened", "Alerts opened or reopened, by level", "level", LEVELS
        )
        self.notifications_sent = _counter(
            "sunlight_notifications_sent",
            "Notifications delivered, by channel",
            "channel",
            CHANNELS,
        )
        self.notifications_failed = _counter(
            "sunlight_notifications_failed",
            "Notification delivery attempts that failed, by channel",
            "channel",
            CHANNELS,
        )
        self.sweep_duration_seconds = Histogram(
            "sunlight_sweep_duration_seconds",
            "Duration of a complete sweep (every due case judged)",
            buckets=SWEEP_BUCKETS,
            registry=None,
        )
        self.sweep_last_success = Gauge(
            "sunlight_sweep_last_success_timestamp_seconds",
            "When this process last finished a sweep (Unix time; 0: never)",
            registry=None,
        )

    def collectors(self) -> tuple[Collector, ...]:
        return (
            self.facts_processed,
            self.rule_evaluation_seconds,
            self.alerts_opened,
            self.notifications_sent,
            self.notifications_failed,
            self.sweep_duration_seconds,
            self.sweep_last_success,
        )

    def count_opened(self, levels: Iterable[str]) -> None:
        """One alert opened (or reopened) per level given."""
        for level, count in Tally(levels).items():
            self.alerts_opened.labels(level).inc(count)

    def count_delivery(self, channel: str, ok: bool) -> None:
        """One delivery attempt on `channel`: sent, or failed."""
        (self.notifications_sent if ok else self.notifications_failed).labels(channel).inc()

    def sweep_done(self, seconds: float, at: datetime) -> None:
        self.sweep_duration_seconds.observe(seconds)
        self.sweep_last_success.set(at.timestamp())
