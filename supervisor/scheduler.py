"""Background jobs: poll the fact outbox, and sweep as time passes (leader only).

`sunlight serve` runs them in its one process (embedded default); `sunlight worker` runs them
in production, where several workers share the facts and one leader, chosen by a lease row
that works on SQLite and PostgreSQL, runs the sweep.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from approval_core.context import CoreDeps
from approval_core.settings import Settings
from supervisor.aftercare import check_complaints
from supervisor.alerts.models import Lease
from supervisor.evaluation.bulletins import issue_due
from supervisor.housekeeping import Pruned, housekeeping
from supervisor.judge_loop import JudgeLoop
from supervisor.metrics.totals import Reconciled, compact_totals, reconcile
from supervisor.notify.channels import SmtpConfig, smtp_config
from supervisor.notify.deliver import Deliverer
from supervisor.notify.timers import run_timers, send_digests
from supervisor.policy.reload import follow_database, reload_policy
from supervisor.processing import process_pending
from supervisor.runtime import Supervisor
from supervisor.sweep import Runner, SweepResult, sweep

log = logging.getLogger("sunlight.scheduler")
LEADER = "sweep-leader"


def try_lease(
    sessions: sessionmaker[Session], name: str, holder: str, now: datetime, ttl: timedelta
) -> bool:
    """Take or renew the lease `name` for `holder` unless another holder's is still valid."""
    try:
        with sessions() as session, session.begin():
            lease = session.scalars(
                select(Lease).where(Lease.name == name).with_for_update()
            ).first()
            if lease is None:
                session.add(Lease(name=name, holder=holder, expires_at=now + ttl))
                return True
            if lease.holder != holder and lease.expires_at > now:
                return False
            lease.holder, lease.expires_at = holder, now + ttl
            return True
    except IntegrityError:
        return False  # another process created it first


@dataclass
class Jobs:
    sessions: sessionmaker[Session]
    deps: CoreDeps
    supervisor: Supervisor
    pool: Runner | None = None  # worker processes for large sweeps (SUNLIGHT_SWEEP_WORKERS)
    smtp: SmtpConfig | None = None  # None: from the environment when first needed
    holder: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    lease_ttl: timedelta = timedelta(seconds=60)
    last_sweep: SweepResult | None = None
    deliverer: Deliverer | None = None
    retention_days: int = 30  # judged facts kept (SUNLIGHT_FACT_RETENTION_DAYS)
    # The API process's judge loop (`sunlight serve`); None in `sunlight worker`.
    judge: JudgeLoop | None = None
    _stamp: tuple[tuple[str, int, int], ...] = ()

    def current(self) -> CoreDeps:
        """The deps of the policy in force now: each job takes them once."""
        return self.supervisor.deps(self.deps.record_key, self.deps.now)

    def rules_stamp(self) -> tuple[tuple[str, int, int], ...]:
        folder = self.supervisor.rules_dir
        if folder is None:
            return ()
        return tuple(
            sorted(
                (str(p.relative_to(folder)), p.stat().st_mtime_ns, p.stat().st_size)
                for p in folder.rglob("*")
                if p.is_file()
            )
        )

    def watch_rules(self) -> bool:
        """Reload when a file under rules/ changed (the same all-or-nothing reload as the API
        and CLI: checked, tested, stored, clocks moved); True if a new policy is in force."""
        stamp = self.rules_stamp()
        if not self._stamp or stamp == self._stamp:
            self._stamp = stamp
            return False
        self._stamp = stamp
        report = reload_policy(
            self.sessions,
            self.supervisor,
            self.deps.record_key,
            self.deps.now(),
            by="file-watcher",
        )
        return report.ok and report.changed

    def follow_policy(self) -> bool:
        """Another process put a policy in force (API, CLI): take it from the database."""
        return follow_database(self.sessions, self.supervisor, self.deps.now()) is not None

    def poll_facts(self) -> int:
        """Judge the pending facts. Where this process's judge loop runs, it does that (woken by
        every commit, and looking every second anyway): a second judge here would only take
        the same facts in smaller rounds (issue 12)."""
        if self.judge is not None:
            return 0 if self.judge.running else self.judge.drain()
        total = 0
        while True:
            with self.sessions() as session, session.begin():
                done = process_pending(session, self.current(), self.supervisor)
            total += done
            if done == 0:
                return total

    def sweep_if_leader(self) -> SweepResult | None:
        deps = self.current()
        now = deps.now()
        if not try_lease(self.sessions, LEADER, self.holder, now, self.lease_ttl):
            return None
        # The sweep sees every action committed before it.
        if self.judge is not None:
            self.judge.drain()  # (one judge at a time in this process)
        else:
            self.poll_facts()
        self.last_sweep = sweep(self.sessions, deps, self.supervisor, now, pool=self.pool)
        with self.sessions() as session, session.begin():
            # complaints not accepted within their 5 working days (事后监察)
            check_complaints(session, self.current(), self.supervisor)
        return self.last_sweep

    def notify_if_leader(self) -> int:
        """Escalations, repeats and the daily digest (leader only, so each is written once)."""
        deps = self.current()
        now = deps.now()
        if not try_lease(self.sessions, LEADER, self.holder, now, self.lease_ttl):
            return 0
        hours = self.supervisor.policy_for(deps).hours
        with self.sessions() as session, session.begin():
            return run_timers(session, hours, now) + send_digests(session, deps, hours, now)

    def housekeeping_if_leader(self) -> Pruned | None:
        """Prune old judged facts and idempotency keys (leader only)."""
        now = self.deps.now()
        if not try_lease(self.sessions, LEADER, self.holder, now, self.lease_ttl):
            return None
        return housekeeping(self.sessions, now, self.retention_days)

    def bulletins_if_leader(self) -> list[str]:
        """Issue last month's bulletin (and in January last year's assessment) once, as of
        now (leader only); the numbers issued, none when already done."""
        deps = self.current()
        now = deps.now()
        if not try_lease(self.sessions, LEADER, self.holder, now, self.lease_ttl):
            return []
        with self.sessions() as session, session.begin():
            return [bulletin.number for bulletin in issue_due(session, deps, now)]

    def totals_if_leader(self) -> int | None:
        """Fold the watch screens' running totals into one row per key (leader only)."""
        if not try_lease(self.sessions, LEADER, self.holder, self.deps.now(), self.lease_ttl):
            return None
        return compact_totals(self.sessions)

    def reconcile_if_leader(self) -> Reconciled | None:
        """Check the running totals against the rows they count, repair drift (leader only)."""
        if not try_lease(self.sessions, LEADER, self.holder, self.deps.now(), self.lease_ttl):
            return None
        return reconcile(self.sessions)

    def deliver(self) -> int:
        """Send due deliveries (any worker: claims keep them apart)."""
        if self.deliverer is None:
            settings = Settings()  # (read now: the environment of today)
            smtp = self.smtp or smtp_config(settings)
            self.deliverer = Deliverer.from_settings(self.sessions, self.deps.now, settings, smtp)
            self.deliverer.on_attempt = self.supervisor.metrics.count_delivery
        return self.deliverer.run_once()


def start(
    jobs: Jobs, *, poll_seconds: float = 2.0, sweep_seconds: float = 30.0, watch: bool = False
) -> BackgroundScheduler:
    """Run the jobs in a background scheduler (one instance of each at a time)."""
    scheduler = BackgroundScheduler(timezone="Asia/Shanghai")
    plan: list[tuple[str, Callable[[], object], float]] = [
        ("poll-facts", jobs.poll_facts, poll_seconds),
        ("sweep", jobs.sweep_if_leader, sweep_seconds),
        ("notify", jobs.notify_if_leader, sweep_seconds),
        ("deliver", jobs.deliver, poll_seconds),
        ("follow-policy", jobs.follow_policy, poll_seconds),
        ("housekeeping", jobs.housekeeping_if_leader, 3600.0),
        ("bulletins", jobs.bulletins_if_leader, 900.0),
        ("metrics-totals", jobs.totals_if_leader, sweep_seconds),
        ("metrics-reconcile", jobs.reconcile_if_leader, 600.0),
    ]
    if watch:
        jobs.watch_rules()  # the first call only notes the files' state
        plan.append(("watch-rules", jobs.watch_rules, poll_seconds))
    for name, job, seconds in plan:
        scheduler.add_job(
            _safe(job), "interval", seconds=seconds, max_instances=1, coalesce=True, id=name
        )
    scheduler.start()
    return scheduler


def _safe(job: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        try:
            job()
        except Exception:  # a job failing must not stop the scheduler; it is logged loudly
            log.exception("background job failed")

    return run
