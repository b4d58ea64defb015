"""A sweep spread over worker processes (SUNLIGHT_SWEEP_WORKERS > 1).

Judging is Python work and one process uses one core; a large sweep (thousands of cases due
at once) is split into chunks of case ids that worker processes judge side by side. A worker
judges a chunk optimistically, outside any write lock:

1. in a read-only transaction (no lock on SQLite) it reads the cases still due and their
   alerts, and judges them in memory;
2. in a write transaction (SQLite: one writer at a time; PostgreSQL: the cases' rows locked)
   it checks that nothing it read has changed meanwhile (each case's version and next look,
   each of its alerts' status and last change, no alert added) and writes what it decided;
3. if anything changed (a person acted on the case or an alert in between), it throws the
   decisions away and judges the chunk again inside the write transaction, as the one-process
   sweep always does.

So the outcome is the one a one-process sweep would give; only the time differs. Each chunk
names the policy version it must be judged with; a worker loads that version from the
database (where every version put in force is stored), never from files on disk, and a chunk
no worker can take (or a pool that broke) is judged in the calling process. The pool is
started once and kept.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session, sessionmaker

from approval_core.cases.models import Case
from approval_core.context import CoreDeps
from approval_core.db import in_chunks, make_engine, make_session_factory, read_only
from approval_core.errors import ConfigError, DomainError
from supervisor.alerts.models import Alert
from supervisor.engine import EngineError
from supervisor.judging import Judge
from supervisor.policy.versions import in_force_version, load_version
from supervisor.runtime import Mode, Supervisor
from supervisor.sweep import COLUMNS, judge_rows, prepare, write

log = logging.getLogger("sunlight.sweep")


@dataclass(frozen=True)
class ChunkResult:
    judged: int
    matched: int
    redone: int  # cases judged again under the lock because something changed meanwhile
    opened: dict[str, int]  # alerts (re)opened, by level


class StaleRules(Exception):  # noqa: N818 (a condition the caller handles, not a failure)
    """A worker could not load the rules, calendar or catalogue the chunk must be judged with."""


def _due_rows(session: Session, as_of: datetime, ids: Sequence[str], lock: bool) -> list[Any]:
    rows: list[Any] = []
    for chunk in in_chunks(ids):
        stmt = select(*COLUMNS).where(
            Case.id.in_(chunk), Case.next_due_at.is_not(None), Case.next_due_at <= as_of
        )
        if lock and session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        rows += session.execute(stmt).all()
    rows.sort(key=lambda row: (row.next_due_at, row.id))
    return rows


def _unchanged(
    session: Session, rows: Sequence[Any], seen: dict[int, tuple[str, datetime]]
) -> bool:
    """In the write transaction: is everything the judging read still as it was?"""
    ids = [row.id for row in rows]
    read = {row.id: (row.version, row.next_due_at) for row in rows}
    now: dict[str, tuple[int, datetime | None]] = {}
    alerts: dict[int, tuple[str, datetime]] = {}
    postgres = session.get_bind().dialect.name == "postgresql"
    with session.no_autoflush:
        for chunk in in_chunks(ids):
            stmt = select(Case.id, Case.version, Case.next_due_at).where(Case.id.in_(chunk))
            if postgres:
                stmt = stmt.with_for_update()
            now.update({cid: (version, due) for cid, version, due in session.execute(stmt)})
            stmt_alerts = select(Alert.id, Alert.status, Alert.updated_at).where(
                Alert.case_id.in_(chunk)
            )
            alerts.update({aid: (status, at) for aid, status, at in session.execute(stmt_alerts)})
    return now == read and alerts == seen


def sweep_chunk(
    sessions: sessionmaker[Session],
    deps: CoreDeps,
    sup: Supervisor,
    as_of: datetime,
    ids: Sequence[str],
    write_lock: AbstractContextManager[Any] | None = None,
    between: Callable[[], None] | None = None,
) -> ChunkResult:
    """Judge the cases `ids` that are still due by `as_of`: optimistically, then, if anything
    changed meanwhile, again under the lock (see the module's text). `between` runs after the
    optimistic judging and before the write (tests use it to change things in between)."""
    lock = write_lock if write_lock is not None else nullcontext()
    with sessions() as session:
        with session.begin():
            read_only(session)
            rows = _due_rows(session, as_of, ids, lock=False)
            if not rows:
                return ChunkResult(0, 0, 0, {})
            judge = Judge.for_cases(
                session, sup, as_of, [row.id for row in rows], sup.policy_for(deps)
            )
        seen = judge.alert_states()
        updates, matched = judge_rows(judge, deps, rows, as_of)
        ready = prepare(session, judge, rows, updates)
        if between is not None:
            between()
        # The write transaction begins with the first statement under the lock (changing
        # loaded alerts may have begun the session's transaction, but not its connection).
        with lock:
            if _unchanged(session, rows, seen):
                write(session, judge, ready)
                session.commit()
                return ChunkResult(len(rows), matched, 0, dict(judge.opened))
            session.rollback()  # the judging was stale: nothing of it is written
    # Something changed while judging: judge again, holding the lock from read to write.
    with sessions() as session, lock, session.begin():
        rows = _due_rows(session, as_of, ids, lock=True)
        judge = Judge.for_cases(session, sup, as_of, [row.id for row in rows], sup.policy_for(deps))
        updates, matched = judge_rows(judge, deps, rows, as_of)
        write(session, judge, prepare(session, judge, rows, updates))
        return ChunkResult(len(rows), matched, len(rows), dict(judge.opened))


# --- the worker processes -------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerConfig:
    database_url: str
    record_key: str
    mode: Mode
    first: str | None = None  # the policy version to load at start (None: the one in force)


@dataclass
class _Worker:
    config: WorkerConfig
    sessions: sessionmaker[Session]
    sup: Supervisor | None
    write_lock: AbstractContextManager[Any] | None
    started: Any  # a multiprocessing Barrier: every worker is up before the pool is used


_worker: _Worker | None = None


def _load(worker: _Worker, version: str | None) -> Supervisor:
    """The policy `version` (default: the one in force) from the database: the version the
    leader judges with, never files read on the side."""
    with worker.sessions() as session:
        wanted = version or in_force_version(session)
        if wanted is None:
            raise StaleRules("the database has no policy in force")
        try:
            policy = load_version(session, wanted, worker.config.mode)
        except (ConfigError, EngineError, DomainError) as exc:
            raise StaleRules(f"worker cannot load policy {wanted}: {exc}") from None
    if worker.sup is None:
        worker.sup = Supervisor(policy)
    else:
        worker.sup.install(policy, None)
    return worker.sup


def _start_worker(
    config: WorkerConfig, write_lock: AbstractContextManager[Any] | None, started: Any
) -> None:
    global _worker  # noqa: PLW0603 (one per worker process, set by the pool's initializer)
    engine = make_engine(config.database_url)
    _worker = _Worker(config, make_session_factory(engine), None, write_lock, started)
    try:
        _load(_worker, config.first)
    except StaleRules:
        log.warning("sweep worker starts without a policy; it loads one with its first chunk")


def _ready() -> str:
    """Wait until every worker has started (each runs one of these: the barrier makes them be
    run by different workers), so that none is still loading when the pool is first used."""
    assert _worker is not None
    _worker.started.wait(timeout=120)
    return _worker.sup.policy.version if _worker.sup is not None else ""


def _run_chunk(as_of: datetime, ids: Sequence[str], wanted: str) -> ChunkResult:
    worker = _worker
    assert worker is not None, "the pool's initializer did not run"
    sup = worker.sup
    if sup is None or sup.policy.version != wanted:
        sup = _load(worker, wanted)
    deps = sup.deps(worker.config.record_key)
    collecting = gc.isenabled()
    gc.disable()
    try:
        return sweep_chunk(worker.sessions, deps, sup, as_of, ids, worker.write_lock)
    finally:
        if collecting:
            gc.enable()


@dataclass
class SweepPool:
    """Worker processes for large sweeps; `run` judges every due case through them."""

    config: WorkerConfig
    workers: int = 2
    chunk: int = 1000
    _executor: ProcessPoolExecutor | None = field(default=None, init=False)
    # start, close and a broken pool's replacement may come from several threads (the
    # scheduler's jobs, API requests)
    _guard: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def start(self) -> None:
        """Start the workers and wait until each has loaded the rules (a few seconds)."""
        with self._guard:
            self._start()

    def _start(self) -> None:
        if self._executor is not None:
            return
        context = multiprocessing.get_context("spawn")
        sqlite = self.config.database_url.startswith("sqlite")
        # SQLite has one writer at a time: the workers hand the write lock over directly
        # instead of polling for it.
        lock = context.Lock() if sqlite else None
        self._executor = ProcessPoolExecutor(
            self.workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(self.config, lock, context.Barrier(self.workers)),
        )
        futures = [self._executor.submit(_ready) for _ in range(self.workers)]
        try:
            for future in futures:
                future.result()
        except BrokenProcessPool:  # a worker could not start (e.g. a broken rule file)
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
            raise

    def close(self) -> None:
        with self._guard:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    def _forget(self, broken: ProcessPoolExecutor) -> None:
        """A broken pool is dropped; the next sweep starts a new one."""
        with self._guard:
            if self._executor is broken:
                self._executor = None
        broken.shutdown(wait=False, cancel_futures=True)

    def run(
        self, sessions: sessionmaker[Session], deps: CoreDeps, sup: Supervisor, as_of: datetime
    ) -> tuple[int, int, int]:
        """Judge every case due by `as_of`; returns (judged, rules matched, redone).

        What the workers cannot do is judged in this process: a chunk whose rules a worker
        cannot load, and everything left when the pool cannot start or a worker dies."""
        wanted = sup.policy_for(deps).version
        totals: Counter[str] = Counter()

        def add(result: ChunkResult) -> None:
            totals.update(
                {"judged": result.judged, "matched": result.matched, "redone": result.redone}
            )
            sup.metrics.count_opened(Counter(result.opened).elements())

        def here(ids: Sequence[str]) -> None:
            add(sweep_chunk(sessions, deps, sup, as_of, ids))

        try:
            with self._guard:
                self._start()
                executor = self._executor
        except BrokenProcessPool:
            log.exception("sweep pool cannot start; judging in this process")
            for ids in _due_ids(sessions, as_of, self.chunk):
                here(ids)
            return totals["judged"], totals["matched"], totals["redone"]
        assert executor is not None
        pending: dict[Future[ChunkResult], Sequence[str]] = {}

        def collect(done: set[Future[ChunkResult]]) -> None:
            for future in done:
                ids = pending.pop(future)
                try:
                    add(future.result())
                except StaleRules as exc:
                    log.warning("sweep chunk judged in this process: %s", exc)
                    here(ids)

        try:
            for ids in _due_ids(sessions, as_of, self.chunk):
                while len(pending) >= 2 * self.workers:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    collect(done)
                pending[executor.submit(_run_chunk, as_of, ids, wanted)] = ids
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                collect(done)
        except BrokenProcessPool:
            # A worker died (killed, out of memory): what it committed stays; the rest is
            # still due and is judged here. The pool starts afresh next time.
            log.exception("sweep pool broke; judging the rest in this process")
            for future in pending:
                future.cancel()
            self._forget(executor)
            for ids in _due_ids(sessions, as_of, self.chunk):
                here(ids)
        except BaseException:
            for future in pending:
                future.cancel()
            raise
        return totals["judged"], totals["matched"], totals["redone"]


def _due_ids(sessions: sessionmaker[Session], as_of: datetime, size: int) -> Iterator[list[str]]:
    """The ids of the cases due by `as_of`, in order of their next look, `size` at a time
    (keyset pages: cases judged meanwhile move past `as_of` and are not seen again)."""
    after: tuple[datetime, str] | None = None
    while True:
        with sessions() as session, session.begin():
            read_only(session)
            stmt = select(Case.next_due_at, Case.id).where(
                Case.next_due_at.is_not(None), Case.next_due_at <= as_of
            )
            if after is not None:
                stmt = stmt.where(tuple_(Case.next_due_at, Case.id) > after)
            page = session.execute(stmt.order_by(Case.next_due_at, Case.id).limit(size)).all()
        if not page:
            return
        yield [row.id for row in page]
        if len(page) < size:
            return
        after = (page[-1].next_due_at, page[-1].id)
