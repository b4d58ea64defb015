"""The public look-up's rate limit, kept in the database: shared by every API process and kept
across restarts.

A client (its address; X-Forwarded-For is believed only from a trusted proxy) has at most
`limit` failed look-ups per fixed window. Each look-up takes a slot first, by one atomic
`INSERT ... ON CONFLICT DO UPDATE ... RETURNING count` in its own short transaction, so a burst
of parallel requests can never pass the limit; a look-up that finds its case gives its slot
back. Over the limit: 429 problem+json with Retry-After (seconds to the window's end).
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from fastapi import HTTPException, Request
from sqlalchemy import delete, update
from sqlalchemy.orm import Session, sessionmaker

from approval_core.db import insert_or_merge, transaction
from approval_core.settings import Settings
from approval_core.system.models import RateCounter

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_address(request: Request, trusted: Sequence[Network]) -> str:
    """The client: the direct peer, or, when the peer is a trusted proxy, the nearest address
    in X-Forwarded-For that is not itself a trusted proxy (spoofed entries further left are
    never reached)."""
    peer = request.client.host if request.client else "unknown"
    forwarded = request.headers.get("x-forwarded-for", "")
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    address = peer
    while is_trusted(address, trusted) and hops:
        address = hops.pop()
    return address


def is_trusted(address: str, trusted: Sequence[Network]) -> bool:
    """Whether `address` is one of the configured proxies (SUNLIGHT_TRUSTED_PROXIES)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in trusted)


@dataclass
class Slot:
    """One look-up's place in the count; `found()` gives it back after a successful look-up."""

    key: str
    window_start: int
    succeeded: bool = False

    def found(self) -> None:
        self.succeeded = True


@dataclass
class PublicLimiter:
    sessions: sessionmaker[Session]
    limit: int
    window: int  # seconds
    trusted: tuple[Network, ...] = ()
    scope: str = "public-lookup"

    @classmethod
    def from_settings(cls, sessions: sessionmaker[Session], settings: Settings) -> PublicLimiter:
        return cls(
            sessions,
            settings.public_lookup_limit,
            settings.public_lookup_window_seconds,
            tuple(ipaddress.ip_network(n, strict=False) for n in settings.trusted_proxies),
        )

    @contextmanager
    def attempt(self, request: Request, now: datetime) -> Iterator[Slot]:
        """Take a slot (or answer 429); the slot is given back when the look-up `found()`."""
        epoch = int(now.timestamp())
        start = epoch - epoch % self.window
        slot = Slot(f"{self.scope}:{client_address(request, self.trusted)}"[:200], start)
        count = self._take(slot)
        if count > self.limit:
            retry = max(1, math.ceil(start + self.window - now.timestamp()))
            raise HTTPException(
                429,
                f"too many failed look-ups; try again in {retry} s",
                headers={"Retry-After": str(retry)},
            )
        yield slot
        if slot.succeeded:
            self._give_back(slot)

    def _take(self, slot: Slot) -> int:
        counter = RateCounter.__table__.c
        with transaction(self.sessions) as session:
            upsert = insert_or_merge(session, RateCounter).values(
                key=slot.key, window_start=slot.window_start, count=1
            )
            stmt = upsert.on_conflict_do_update(
                index_elements=[counter.key, counter.window_start],
                set_={"count": counter.count + 1},
            ).returning(counter.count)
            count = int(session.execute(stmt).scalar_one())
            if count == 1:  # a new window for this client: drop the windows that are over
                session.execute(
                    delete(RateCounter).where(RateCounter.window_start < slot.window_start)
                )
            return count

    def _give_back(self, slot: Slot) -> None:
        with transaction(self.sessions) as session:
            session.execute(
                update(RateCounter)
                .where(
                    RateCounter.key == slot.key,
                    RateCounter.window_start == slot.window_start,
                    RateCounter.count > 0,
                )
                .values(count=RateCounter.count - 1)
            )
