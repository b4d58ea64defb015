"""`sunlight notifications` against the test database: check, contacts, dead letters, replay."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from api.cli_notifications import notifications
from supervisor.notify.models import Delivery
from tests.conftest import FrozenClock, People
from tests.notify.conftest import queue


@pytest.fixture
def cli(cli_env: CliRunner) -> CliRunner:
    """The command line on the test database (tests/conftest.py `cli_env`)."""
    return cli_env


def test_check_contacts_dead_letters_and_replay(
    cli: CliRunner, people: People, sessions: sessionmaker[Session], clock: FrozenClock
) -> None:
    assert "通知路由无误" in cli.invoke(notifications, ["check"]).output
    handler = people.actors["handler"].user_id
    assert handler is not None
    added = cli.invoke(
        notifications,
        ["add-contact", "--user", str(handler), "--channel", "email", "--address", "a@b.cn"],
    )
    assert added.exit_code == 0, added.output
    bad = cli.invoke(
        notifications,
        ["add-contact", "--user", str(handler), "--channel", "pager", "--address", "1"],
    )
    assert bad.exit_code != 0
    assert "未知的渠道 pager" in bad.output
    listed = json.loads(cli.invoke(notifications, ["contacts", "--user", str(handler)]).output)
    assert [c["channel"] for c in listed] == ["email"]
    queue(sessions, clock, handler, "webhook", "http://127.0.0.1:9/x")
    with sessions() as session, session.begin():
        session.execute(update(Delivery).values(status="dead", last_error="500"))
    dead = json.loads(cli.invoke(notifications, ["dead"]).output)
    assert [d["channel"] for d in dead] == ["webhook"]
    replayed = cli.invoke(notifications, ["replay", str(dead[0]["id"])])
    assert replayed.exit_code == 0, replayed.output
    with sessions() as session:
        assert session.scalars(select(Delivery.status)).all() == ["pending"]
    again = cli.invoke(notifications, ["replay", str(dead[0]["id"])])
    assert again.exit_code != 0
