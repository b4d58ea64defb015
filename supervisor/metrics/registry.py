"""One registry per app or worker: its own counters, its rules, and (optionally) the DB's state.

With several API processes over one database, only one of them (or the worker) should read the
database for `/metrics` (`SUNLIGHT_METRICS_DB=false` on the others): the DB-derived figures are
the same whichever process reads them (the counters of concluded cases and ratings too).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry
from sqlalchemy import Engine

from approval_core.timeutil import Clock
from supervisor.metrics.rules import RulesCollector
from supervisor.metrics.state import Source, StateCollector
from supervisor.runtime import Supervisor


def build_registry(
    sup: Supervisor, now: Clock, engine: Engine | None, source: Source = "totals"
) -> CollectorRegistry:
    """A fresh registry; `engine` None leaves out the DB-derived figures, `source` says where
    the open cases and alerts are read from (the running totals, or the rows for comparison)."""
    registry = CollectorRegistry(auto_describe=True)
    for collector in sup.metrics.collectors():
        registry.register(collector)
    registry.register(RulesCollector(sup, now))
    if engine is not None:
        registry.register(StateCollector(engine, sup, source))
    return registry
