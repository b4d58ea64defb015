"""Run a request once per Idempotency-Key.

A client that sends `Idempotency-Key: <key>` with an action and gets no answer (a timeout, a
dropped connection) sends the same request again with the same key. The first time, the
action and its answer are committed together (the answer is remembered in the action's own
transaction); a retry finds the answer and gets it back, marked as replayed, without acting
again. Two attempts racing with one key: one commits, the other's unique key insert fails,
its whole transaction (its action included) is rolled back, and it returns the winner's
answer. Only successful answers are remembered: a refused request may be retried as it is.
The same key with a different request (another path or body) is refused (422). Keys are
kept for a day (`prune`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from approval_core.errors import InvalidInput
from approval_core.idempotency.models import RememberedAnswer

KEEP = timedelta(days=1)
MAX_KEY = 200


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    replayed: bool = False


def request_hash(scope: str, body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{scope}\n{canonical}".encode()).hexdigest()


def check_key(key: str) -> str:
    if not key or len(key) > MAX_KEY or not key.isprintable() or not key.isascii():
        raise InvalidInput(
            f"Idempotency-Key must be 1 to {MAX_KEY} printable ASCII characters",
            detail_zh=f"Idempotency-Key 须为 1 至 {MAX_KEY} 个可打印 ASCII 字符",
            field="Idempotency-Key",
        )
    return key


def _found(session: Session, user_id: int, key: str, digest: str) -> Answer | None:
    row = session.scalars(
        select(RememberedAnswer).where(
            RememberedAnswer.user_id == user_id, RememberedAnswer.key == key
        )
    ).first()
    if row is None:
        return None
    if row.request_hash != digest:
        raise InvalidInput(
            f"Idempotency-Key {key!r} was used for another request ({row.scope})",
            detail_zh=f"Idempotency-Key「{key}」已用于另一个请求（{row.scope}）",
            field="Idempotency-Key",
        )
    return Answer(row.status, row.answer, replayed=True)


def once(
    sessions: sessionmaker[Session],
    user_id: int | None,
    key: str | None,
    scope: str,
    body: Any,
    now: datetime,
    work: Callable[[Session], Answer],
) -> Answer:
    """`work` in one transaction; with a key, at most once (see the module's text)."""
    return Once(sessions, user_id, key, scope, body, now, work).alone()


@dataclass(frozen=True)
class Once:
    """A request's `work` run at most once per key: in a transaction of its own (`alone`, as
    `once`), or in a group commit's (`together`, approval_core/group_commit.py)."""

    sessions: sessionmaker[Session]
    user_id: int | None
    key: str | None
    scope: str
    body: Any
    now: datetime
    work: Callable[[Session], Answer]
    rows: tuple[str, ...] = ()  # the rows `work` locks, when known (approval_core/group_commit)

    def alone(self) -> Answer:
        try:
            with self.sessions() as session, session.begin():
                return self.together(session)
        except IntegrityError:
            if self.key is None or self.user_id is None:
                raise
            with self.sessions() as session:
                digest = request_hash(self.scope, self.body)
                earlier = _found(session, self.user_id, self.key, digest)
            if earlier is None:
                raise
            return earlier

    def together(self, session: Session) -> Answer:
        """Within the caller's transaction: a racing twin raises IntegrityError here or at
        commit, and the caller rolls back (`alone` then answers with the twin's answer)."""
        if self.key is None or self.user_id is None:
            return self.work(session)
        digest = request_hash(self.scope, self.body)
        key = check_key(self.key)
        earlier = _found(session, self.user_id, key, digest)
        if earlier is not None:
            return earlier
        answer = self.work(session)
        session.add(
            RememberedAnswer(
                user_id=self.user_id,
                key=key,
                scope=self.scope,
                request_hash=digest,
                status=answer.status,
                answer=answer.body,
                created_at=self.now,
            )
        )
        session.flush()  # a racing twin fails here (or at commit), not after the answer
        return answer


def prune(session: Session, now: datetime) -> int:
    result = session.execute(
        delete(RememberedAnswer).where(RememberedAnswer.created_at < now - KEEP)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
