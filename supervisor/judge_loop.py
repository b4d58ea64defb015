"""The judge loop: facts are judged off the request path, within moments of their commit.

A request commits its action and its fact, wakes the loop and answers: its answer depends on
its own transaction only, and nothing the judging does (a conflict, a failing rule, a slow
batch) can reach it. The loop, a thread of the same process, judges everything pending in
batches (`supervisor.processing.process_pending`: many facts claimed by one statement, the
alerts of all their cases loaded at once, written in bulk). The workers' pollers judge the
same outbox every few seconds, so a fact is judged even when the process that wrote it died
right after its commit.

Tests and commands that need the alerts "now" call `settle()`, which waits on the judge (or,
when no loop thread runs, judges in the calling thread).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from approval_core.outbox.models import Fact
from approval_core.timeutil import Clock
from supervisor.processing import MAX_ATTEMPTS, judge_round
from supervisor.runtime import Supervisor

log = logging.getLogger("sunlight.judge")


@dataclass
class JudgeLoop:
    sessions: sessionmaker[Session]
    supervisor: Supervisor
    record_key: str
    now: Clock
    batch: int = 200
    idle_seconds: float = 1.0  # a look even without a wake-up (facts left by a busy case)
    # After a wake-up, wait this long for more commits: one judging round then takes many
    # facts at once (fewer transactions competing for the write lock, and the round's own
    # statements shared by more facts). Quiet, a fact is judged within moments; busy (the last
    # round judged `busy_facts` or more), rounds come at most every `busy_linger_seconds`,
    # which keeps action-to-alert well under a second.
    linger_seconds: float = 0.05
    busy_linger_seconds: float = 0.2
    busy_facts: int = 10
    _last_round: int = 0
    _wanted: threading.Event = field(default_factory=threading.Event)
    _draining: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None
    _stopping: bool = False

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wake(self) -> None:
        """A commit wrote facts: judge them now (a no-op when no loop thread runs)."""
        self._wanted.set()

    def drain(self, *, patient: bool = False) -> int:
        """Judge every pending fact this process may claim, in this thread; how many.

        `patient` (the loop): facts left because their case was locked are not chased with
        another round at once. On PostgreSQL a request holds its case's row until it commits,
        and wakes the loop when it does; another judge holding it judges them; the loop's
        look every `idle_seconds` takes whatever is left. Chasing them made rounds of a few
        facts each under load (issue 12)."""
        total = 0
        with self._draining:
            while True:
                deps = self.supervisor.deps(self.record_key, self.now)
                with self.sessions() as session, session.begin():
                    round_ = judge_round(session, deps, self.supervisor, self.batch)
                total += round_.done
                again = round_.full or round_.failed > 0 or (round_.skipped and not patient)
                if round_.done == 0 or not again:
                    return total

    def start(self) -> None:
        if self.running:
            return
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="sunlight-judge", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping = True
        self._wanted.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None

    def _run(self) -> None:
        while not self._stopping:
            if self._wanted.wait(self.idle_seconds):
                busy = self._last_round >= self.busy_facts
                time.sleep(self.busy_linger_seconds if busy else self.linger_seconds)
            self._wanted.clear()
            if self._stopping:
                return
            try:
                self._last_round = self.drain(patient=True)
            except Exception:  # noqa: BLE001 (the loop must outlive any one failure)
                log.exception("judging failed; the facts stay pending and are tried again")
                time.sleep(self.idle_seconds)

    def settle(self, timeout: float = 30.0) -> None:
        """Return once every fact committed before this call is judged (or parked).

        Without a loop thread the facts are judged here; with one, this waits on it."""
        if not self.running:
            self.drain()
            return
        with self.sessions() as session:
            mark = session.scalar(select(func.max(Fact.id))) or 0
        deadline = time.monotonic() + timeout
        while True:
            self.wake()
            with self.sessions() as session:
                left = session.scalar(
                    select(func.count())
                    .select_from(Fact)
                    .where(
                        Fact.id <= mark,
                        Fact.processed_at.is_(None),
                        Fact.attempts < MAX_ATTEMPTS,
                    )
                )
            if not left:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{left} facts still unjudged after {timeout} s")
            time.sleep(0.01)
