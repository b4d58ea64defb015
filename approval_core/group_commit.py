"""Group commit: the writes of requests in flight at the same moment share one transaction.

Every filing and action is one transaction, and a transaction costs the same whatever it
holds: taking a pooled connection, BEGIN (on SQLite the write lock), COMMIT (the disk's
flush) and on PostgreSQL a round trip to the server for each (the pool's liveness check, BEGIN
and COMMIT). Under load that fixed cost was about a third of an action's (issue 12). Database
servers answer the same problem inside, by flushing many transactions' commits at once; this
does it one level up.

A request hands its use case (a `Unit`) to the group and waits for its answer. A writer thread
takes every unit waiting, runs them one after the other in one transaction, commits once, and
answers each. A request alone (the usual case when the service is quiet) is a group of one:
nothing waits for company.

Each request's answer means what it meant before: it is given only after the commit that holds
its writes, and a unit that fails leaves nothing behind:
- a unit that raises rolls back the whole group's transaction. It is then run again on its own,
  which gives its own answer or error (usually the same refusal), and the others are run
  together again without it;
- a commit that fails (a lost connection, a deadlock) has every unit run again on its own;
- a unit that would wait for a row another transaction holds (on PostgreSQL: a case the judge
  or another process is writing) raises `Busy` before it writes anything, and the group goes
  on without it; it is run on its own.
Running a unit again is safe because nothing of its first run was committed. The units of one
group were in flight together, so any order between them is an order they could have had.

The writer never waits for anybody else's lock: a unit run on its own (`alone`) runs in the
request's own worker thread, as it would without grouping, so one waiting unit holds up no
other request. Units run in the writer one at a time, as SQLite's single writer would have
serialised them anyway; a unit must not wait on anything slow besides the database (no network,
no PDF signing), since the units queued behind it wait too.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from anyio import to_thread
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger("sunlight.group_commit")

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Busy(Exception):  # noqa: N818 (a signal, not an error the request sees)
    """Raised by a unit in a group, before it has written anything, when it would have to wait
    for a row another transaction holds: it is run on its own instead."""


class _Alone:
    """The writer's answer to a unit it could not run in a group."""


_ALONE = _Alone()


class Unit(Protocol[T_co]):
    """One request's use case."""

    def together(self, session: Session) -> T_co:
        """Run within `session`'s transaction, which the group commits (or rolls back)."""

    def alone(self) -> T_co:
        """Run in a transaction of its own, as without grouping."""

    @property
    def rows(self) -> tuple[str, ...]:
        """The ids of the rows it will lock (given to `prepare`), if known beforehand."""


@dataclass
class _Job(Generic[T]):
    unit: Unit[T]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[T | _Alone]

    def give(self, result: T | _Alone) -> None:
        """The answer, to the request's event loop; the first one given wins."""
        self._send(result, failed=False)

    def fail(self, error: Exception) -> None:
        self._send(error, failed=True)

    def _send(self, value: Any, *, failed: bool) -> None:
        try:
            self.loop.call_soon_threadsafe(_settle, self.future, value, failed)
        except RuntimeError:  # its event loop is closed: nobody waits for the answer
            pass


def _settle(future: asyncio.Future[Any], value: Any, failed: bool) -> None:
    if future.done():  # (the request may have been cancelled, or answered already)
        return
    if failed:
        future.set_exception(value)
    else:
        future.set_result(value)


class GroupCommit:
    """The writer thread and its queue (see the module's text). The thread is started by the
    first unit and ends after `idle_seconds` without any."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        prepare: Callable[[Session, list[str]], None] | None = None,
        most: int = 32,
        idle_seconds: float = 5.0,
    ) -> None:
        self.sessions = sessions
        # Called first in each group's transaction with the rows its units will lock (for
        # actions: their cases, read and locked at once by approval_core/cases/rows.lock_cases).
        self.prepare = prepare
        self.most = most  # units in one transaction at most
        self.idle_seconds = idle_seconds
        self._queue: queue.SimpleQueue[_Job[Any]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        # how many transactions and units, for tests and the benchmark
        self.transactions = 0
        self.units = 0

    async def run(self, unit: Unit[T]) -> T:
        """The unit's answer, once its transaction has committed (or its error)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T | _Alone] = loop.create_future()
        self._queue.put(_Job(unit, loop, future))
        with self._lock:  # (the writer decides to end under this lock, seeing no unit queued)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._serve, name="sunlight-group-commit", daemon=True
                )
                self._thread.start()
        result = await future
        if not isinstance(result, _Alone):
            return result
        self._count(1, 1)
        return await to_thread.run_sync(unit.alone)

    def _count(self, transactions: int, units: int) -> None:
        with self._lock:
            self.transactions += transactions
            self.units += units

    def _serve(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=self.idle_seconds)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():  # (a unit put after this starts a thread)
                        self._thread = None
                        return
                continue
            group = [first]
            while len(group) < self.most:
                try:
                    group.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._run(group)
            except Exception as error:  # noqa: BLE001 (the thread must outlive any failure)
                # Whether the group was committed is not known here, so it is not run again:
                # its requests not yet answered get an error (with an Idempotency-Key a
                # retry is safe).
                log.exception("a group commit failed unexpectedly")
                for job in group:
                    job.fail(RuntimeError(f"group commit failed: {error!r}"))

    def _run(self, group: list[_Job[Any]]) -> None:
        while group:
            results: list[Any] = []
            failed: int | None = None
            try:
                with self.sessions() as session, session.begin():
                    rows = [row for job in group for row in job.unit.rows]
                    if rows and self.prepare is not None:
                        self.prepare(session, rows)
                    for index, job in enumerate(group):
                        failed = index
                        try:
                            results.append(job.unit.together(session))
                        except Busy:
                            results.append(_ALONE)
                    failed = None
            except Exception:  # noqa: BLE001 (run again on their own, see the module's text)
                if failed is None:  # the commit itself failed
                    for job in group:
                        job.give(_ALONE)
                    return
                group.pop(failed).give(_ALONE)
                continue
            done = sum(result is not _ALONE for result in results)
            if done:
                self._count(1, done)
            for job, result in zip(group, results, strict=True):
                job.give(result)
            return
