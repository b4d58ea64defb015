"""Per-process cache of token look-ups: a request finds its caller without a database round
trip for `ttl` seconds. A revocation in this process forgets the user at once; one made by
another process (CLI, another API process) takes effect here within `ttl` seconds."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from approval_core.context import Actor


@dataclass(frozen=True)
class _Entry:
    actor: Actor
    token_expires_at: datetime | None
    fresh_until: float  # monotonic seconds


class TokenCache:
    """Token digest -> the caller; bounded (oldest out first), thread-safe."""

    def __init__(
        self,
        ttl: float,
        max_entries: int = 10_000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._monotonic = monotonic
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, digest: str, now: datetime) -> Actor | None:
        """The cached caller, unless the entry is stale or the token expired meanwhile."""
        with self._lock:
            entry = self._entries.get(digest)
            if entry is None:
                return None
            expired = entry.token_expires_at is not None and entry.token_expires_at <= now
            if expired or entry.fresh_until <= self._monotonic():
                del self._entries[digest]
                return None
            return entry.actor

    def put(self, digest: str, actor: Actor, token_expires_at: datetime | None) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            self._entries[digest] = _Entry(actor, token_expires_at, self._monotonic() + self.ttl)
            self._entries.move_to_end(digest)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def forget_user(self, user_id: int) -> None:
        """After a disable or rotation in this process: look the user up again."""
        with self._lock:
            for digest in [d for d, e in self._entries.items() if e.actor.user_id == user_id]:
                del self._entries[digest]
