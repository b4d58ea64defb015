"""`sunlight notifications`: check the routing file, manage contact points, run the deliverer,
the timers and the digest once, list and replay dead letters."""

from __future__ import annotations

import json
import sys

import click
from sqlalchemy.orm import Session, sessionmaker

from approval_core.db import make_engine, make_session_factory, transaction
from approval_core.errors import DomainError
from approval_core.keys import SecretBox
from approval_core.settings import get_settings
from approval_core.timeutil import utcnow
from supervisor.notify import service as notify
from supervisor.notify.deliver import Deliverer
from supervisor.notify.outbound import OutboundPolicy
from supervisor.notify.routing import check_routing, known_codes
from supervisor.notify.timers import run_timers, send_digests


def _sessions() -> sessionmaker[Session]:
    return make_session_factory(make_engine(get_settings().database_url))


def _echo(value: object) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


@click.group()
def notifications() -> None:
    """通知 / notifications: routing, contact points, delivery and dead letters."""


@notifications.command("check")
def check() -> None:
    """Check rules/notifications.yaml (problems as file:line:column)."""
    rules_dir = get_settings().rules_dir
    problems = check_routing(rules_dir, known_codes(rules_dir))
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        sys.exit(1)
    click.echo("通知路由无误 / notification routing is valid")


@notifications.command("add-contact")
@click.option("--user", "user_id", required=True, type=int)
@click.option("--channel", required=True)
@click.option("--address", required=True)
@click.option("--secret", default=None)
@click.option("--language", default="zh")
def add_contact(
    user_id: int, channel: str, address: str, secret: str | None, language: str
) -> None:
    """Add a contact point to a person (its secret stored sealed with SUNLIGHT_DATA_KEY)."""
    settings = get_settings()
    try:
        with transaction(_sessions()) as session:
            point = notify.add_contact(
                session,
                user_id,
                channel=channel,
                address=address,
                secret=secret,
                language=language,
                now=utcnow(),
                box=SecretBox(settings.data_key),
                outbound=OutboundPolicy.from_settings(settings),
            )
            shown = notify.contact_view(point)
    except DomainError as exc:
        raise click.UsageError(f"{exc.field}: {exc.detail_zh} / {exc.detail}") from exc
    _echo(shown)


@notifications.command("contacts")
@click.option("--user", "user_id", required=True, type=int)
def list_contacts(user_id: int) -> None:
    """A person's contact points."""
    with transaction(_sessions()) as session:
        _echo([notify.contact_view(p) for p in notify.contacts(session, user_id)])


@notifications.command("dead")
def dead_letters() -> None:
    """Dead letters, with every attempt."""
    with transaction(_sessions()) as session:
        rows = notify.deliveries(session, status="dead")
        _echo([notify.delivery_view(session, row) for row in rows])


@notifications.command("replay")
@click.argument("delivery_id", type=int)
def replay(delivery_id: int) -> None:
    """Send a dead letter again (same idempotency key)."""
    try:
        with transaction(_sessions()) as session:
            row = notify.replay(session, delivery_id, utcnow())
            _echo({"id": row.id, "status": row.status})
    except DomainError as exc:
        raise click.UsageError(f"{exc.field}: {exc.detail_zh} / {exc.detail}") from exc


@notifications.command("deliver")
def deliver() -> None:
    """Send what is due now, once."""
    deliverer = Deliverer.from_settings(_sessions(), utcnow, get_settings())
    click.echo(f"delivered {deliverer.run_once()}")


@notifications.command("tick")
def tick() -> None:
    """Fire due escalations and repeats, and the daily digest, once."""
    from api.cli import _policy

    policy = _policy()  # the policy in force (its routing and calendar)
    with transaction(_sessions()) as session:
        now = utcnow()
        deps = policy.deps(get_settings().secret_key)
        written = run_timers(session, policy.hours, now) + send_digests(
            session, deps, policy.hours, now
        )
    click.echo(f"deliveries written {written}")
