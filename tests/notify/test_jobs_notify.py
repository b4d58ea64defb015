"""The background jobs deliver (any worker) and fire timers and the digest (the leader only)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from approval_core.context import CoreDeps
from supervisor.runtime import Supervisor
from supervisor.scheduler import Jobs
from tests.conftest import FrozenClock, People
from tests.notify.conftest import queue
from tests.notify.peers import Mailbox


def test_jobs_deliver_over_the_configured_smtp_and_only_the_leader_ticks(
    sessions: sessionmaker[Session],
    core: CoreDeps,
    supervisor: Supervisor,
    clock: FrozenClock,
    people: People,
    mailbox: tuple[Mailbox, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SUNLIGHT_SMTP_PORT", str(mailbox[1]))
    handler = people.actors["handler"].user_id
    assert handler is not None
    queue(sessions, clock, handler, "email", "handler@example.gov.cn")
    leader = Jobs(sessions, core, supervisor, holder="a")
    other = Jobs(sessions, core, supervisor, holder="b")
    assert other.deliver() == 1  # any worker sends
    assert len(mailbox[0].to("handler@example.gov.cn")) == 1
    assert leader.notify_if_leader() == 0  # takes the lease; nothing is due
    assert other.notify_if_leader() == 0  # not the leader: does nothing
