"""Group commit: the writes of requests in flight at the same moment share one transaction.

Every filing and action is one transaction, and a transaction costs the same whatever it
holds: taking a pooled connection, BEGIN (on SQLite the write lock), COMMIT (the disk's
flush) and on PostgreSQL a round trip to the server for each (the pool's liveness check, BEGIN
and COMMIT). Under load that fixed cost was about a third of an action's (issue 12). Database
servers answer the same problem inside, by flushing many transactions' commits at once; this
does it one level up.

A request hands its use case (a `Unit`) to the group and waits for its answer. A writer thread
takes every unit waiting, runs them one after the other in one transaction, commits once, and
answers each. A request alone (the usual case when the service is quiet) is simply run in its
own transaction: nothing waits for company.

Each request's answer means what it meant before: it is given only after the commit that holds
its writes, and a unit that fails leaves nothing behind:
- a unit that raises rolls back the whole group's transaction. It is then run again in a
  transaction of its own, which gives its own answer or error (usually the same refusal), and
  the others are run again together without it;
- a commit that fails (a lost connection, a deadlock) runs every unit again on its own.
Running a unit again is safe because nothing of its first run was committed. The units of one
group were in flight together, so any order between them is an order they could have had.

The units run in the writer thread one at a time, as SQLite's single writer would have
serialised them anyway. A unit must not wait on anything slow besides the database (no
network, no PDF signing), since the units queued behind it wait too.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger("sunlight.group_commit")

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Unit(Protocol[T_co]):
    """One request's use case."""

    def together(self, session: Session) -> T_co:
        """Run within `session`'s transaction, which the group commits (or rolls back)."""

    def alone(self) -> T_co:
        """Run in a transaction of its own, as without grouping."""


@dataclass
class _Job(Generic[T]):
    unit: Unit[T]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[T]

    def give(self, result: T) -> None:
        self.loop.call_soon_threadsafe(_settle, self.future, result)

    def answer(self, outcome: Callable[[], T]) -> None:
        """Run `outcome` and give its result, or its error."""
        try:
            result = outcome()
        except Exception as error:  # noqa: BLE001 (the request gets its error, as raised)
            self.loop.call_soon_threadsafe(_fail, self.future, error)
        else:
            self.give(result)


def _settle(future: asyncio.Future[Any], result: Any) -> None:
    if not future.done():  # (the request may have been cancelled meanwhile)
        future.set_result(result)


def _fail(future: asyncio.Future[Any], error: Exception) -> None:
    if not future.done():
        future.set_exception(error)


class GroupCommit:
    """The writer thread and its queue (see the module's text). The thread is started by the
    first unit and ends after `idle_seconds` without any."""

    def __init__(
        self, sessions: sessionmaker[Session], *, most: int = 32, idle_seconds: float = 5.0
    ) -> None:
        self.sessions = sessions
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
        future: asyncio.Future[T] = loop.create_future()
        job = _Job(unit, loop, future)
        self._queue.put(job)
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._serve, name="sunlight-group-commit", daemon=True
                    )
                    self._thread.start()
        return await future

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
            except Exception:  # noqa: BLE001 (the thread must outlive any one failure)
                log.exception("a group commit failed unexpectedly")

    def _run(self, group: list[_Job[Any]]) -> None:
        refused: list[_Job[Any]] = []
        while len(group) > 1:
            results: list[Any] = []
            failed: int | None = None
            try:
                with self.sessions() as session, session.begin():
                    for index, job in enumerate(group):
                        failed = index
                        results.append(job.unit.together(session))
                    failed = None
            except Exception:  # noqa: BLE001 (each is run again on its own, see the module)
                if failed is None:  # the commit itself failed
                    refused += group
                    group = []
                else:
                    refused.append(group.pop(failed))
                continue
            self.transactions += 1
            self.units += len(group)
            for job, result in zip(group, results, strict=True):
                job.give(result)
            group = []
        for job in group + refused:
            self.transactions += 1
            self.units += 1
            job.answer(job.unit.alone)
