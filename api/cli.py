"""The `sunlight` command line: serve, migrate, users, demo data, records, calendar."""

from __future__ import annotations

import gc
import json
import logging
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import click
from apscheduler.schedulers.background import BackgroundScheduler
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from api.deps import ServiceState
from approval_core.context import CoreDeps
from approval_core.db import make_engine, make_session_factory, transaction
from approval_core.errors import ConfigError, DomainError
from approval_core.settings import get_settings
from approval_core.timeutil import utcnow
from supervisor.policy.value import Policy

T = TypeVar("T")


def _or_exit(build: Callable[[], T]) -> T:
    """Build from the rule files, or print every problem (file:line:column) and exit 1."""
    try:
        return build()
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        sys.exit(1)


def _policy() -> Policy:
    """The policy in force (from the database), or the files of rules/ when the database has
    never had one (e.g. `demo load` before the first start)."""
    from supervisor.policy.value import load_policy
    from supervisor.policy.versions import in_force_version, load_version

    settings = get_settings()
    with _sessions()() as session:
        version = in_force_version(session)
        if version is not None:
            return _or_exit(lambda: load_version(session, version, "python"))
    return _or_exit(lambda: load_policy(settings.rules_dir, "python"))


def _core() -> CoreDeps:
    settings = get_settings()
    return _policy().deps(settings.secret_key, record_mac=settings.record_mac)


def _state() -> ServiceState:
    from api.app import build_state

    settings = get_settings()
    return _or_exit(lambda: build_state(settings))


def _sessions() -> sessionmaker[Session]:
    settings = get_settings()
    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    return make_session_factory(make_engine(settings.database_url))


@click.group()
def main() -> None:
    """Sunlight 网上审批与电子监察.

    SUNLIGHT_ENVIRONMENT is production unless set: then SUNLIGHT_SECRET_KEY, SUNLIGHT_DATA_KEY
    (hex or base64 of 32 random bytes), SUNLIGHT_PUBLIC_URL and a PostgreSQL SUNLIGHT_DATABASE_URL
    are required."""
    try:
        settings = get_settings()
    except ValidationError as exc:
        for error in exc.errors():
            click.echo(f"配置无效 / invalid configuration: {error['msg']}", err=True)
        sys.exit(2)
    # The service's own log lines (lost races, parked facts, unexpected errors with their
    # request ids) go to standard error beside uvicorn's.
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@main.command()
@click.option("--host", default=None, help="default from SUNLIGHT_HOST (127.0.0.1)")
@click.option("--port", default=None, type=int, help="default from SUNLIGHT_PORT (8000)")
def serve(host: str | None, port: int | None) -> None:
    """Start the API (embedded default: one process)."""
    import uvicorn

    from api.app import create_app

    settings = get_settings()
    state = _state()
    scheduler = _start_jobs(state)
    bind_host, bind_port = host or settings.host, port or settings.port
    base = f"http://{bind_host}:{bind_port}"
    click.echo(f"网上办事大厅 / Online service hall: {base}/   API docs: {base}/docs")
    app = create_app(state)
    # What lives from start-up to the end (modules, the policy, its compiled rules, the
    # catalogue) is set aside from the garbage collector: its full collections then walk only
    # what requests allocate (issue 12: fewer pauses, less CPU). A policy put in force later
    # gives them back (`Supervisor.install`), so the one it replaces can be collected.
    gc.collect()
    gc.freeze()
    try:
        uvicorn.run(app, host=bind_host, port=bind_port, access_log=settings.access_log)
    finally:
        scheduler.shutdown(wait=False)
        if state.sweep_pool is not None:
            state.sweep_pool.close()


def _start_jobs(state: ServiceState) -> BackgroundScheduler:
    """Recompute clocks on the calendar in force, check disclosures, then run the jobs."""
    from approval_core.system.service import recompute_clocks
    from supervisor.notify.channels import smtp_config
    from supervisor.processing import judge_items
    from supervisor.scheduler import Jobs, start

    core = state.core
    for attempt in (1, 2, 3):
        try:
            with transaction(state.sessions) as session:
                # Clocks computed under another policy or calendar take the one in force.
                summary = recompute_clocks(session, core)
                judge_items(session, core, state.supervisor, core.now())
            click.echo(
                f"policy {summary['policy_version']} (calendar {summary['calendar_version']}): "
                f"{summary['changed']} clocks changed"
            )
            break
        except SQLAlchemyError:
            # Another process starting at the same moment wrote the same rows: try again; the
            # service starts in any case (the sweep and the next start catch up).
            logging.getLogger("sunlight").warning(
                "start-up recompute failed (attempt %s)", attempt, exc_info=True
            )
    status = state.supervisor.status
    if not status.ok:
        click.echo("rules/ refused, running on the last good policy:", err=True)
        for problem in status.problems:
            click.echo(f"  {problem}", err=True)
    smtp = smtp_config(state.settings)
    jobs = Jobs(
        state.sessions,
        core,
        state.supervisor,
        pool=state.sweep_pool,
        smtp=smtp,
        retention_days=state.settings.fact_retention_days,
        judge=state.judge,
    )
    jobs.poll_facts()
    jobs.sweep_if_leader()  # catch up with time passed while no process was running
    return start(jobs, watch=state.settings.watch_rules)


@main.command()
def worker() -> None:
    """Production supervisor process: judge facts, and sweep when holding the leader lease."""
    import signal
    import threading

    from api.routers.metrics import serve_metrics

    settings = get_settings()
    state = _state()
    scheduler = _start_jobs(state)
    # The worker's own counters (and the DB figures unless SUNLIGHT_METRICS_DB=false).
    serve_metrics(state, settings.host, settings.port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    click.echo(f"worker running, metrics on {settings.host}:{settings.port}; Ctrl-C to stop")
    stop.wait()
    scheduler.shutdown(wait=True)
    if state.sweep_pool is not None:
        state.sweep_pool.close()


@main.command()
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="ISO moment, Beijing time unless it carries an offset (default now); never in the "
    "future: the alerts written would be dated ahead of time",
)
def sweep(as_of: str | None) -> None:
    """Sweep once: judge the cases whose next look has come by --as-of (what the worker does
    on schedule), and print what it did."""
    from api.cli_rules import parse_moment
    from supervisor.sweep import refuse_future
    from supervisor.sweep import sweep as run_sweep

    moment = parse_moment(as_of)
    try:
        refuse_future(moment, utcnow())  # before anything is started or written
    except DomainError as exc:
        raise click.BadParameter(f"{exc.detail_zh} / {exc.detail}", param_hint="--as-of") from None
    state = _state()
    try:
        core, pool = state.core, state.sweep_pool
        result = run_sweep(state.sessions, core, state.supervisor, moment, pool=pool)
    finally:
        if state.sweep_pool is not None:
            state.sweep_pool.close()
        state.engine.dispose()
    summary = {
        "as_of": moment.isoformat(),
        "judged": result.judged,
        "matched": result.alerts_matched,
    }
    click.echo(json.dumps(summary))


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply migrations up to the newest."""
    from approval_core.migrations import upgrade

    _sessions()  # creates the SQLite folder if needed
    upgrade(get_settings().database_url)
    click.echo("database is up to date")


@main.group()
def users() -> None:
    """People and their tokens."""


@users.command("add")
@click.option("--name", required=True)
@click.option("--role", required=True)
@click.option("--department", default=None)
@click.option("--email", default=None)
def users_add(name: str, role: str, department: str | None, email: str | None) -> None:
    """Create a user and print its bearer token (shown once)."""
    from approval_core.users.service import add_user

    core = _core()
    try:
        with transaction(_sessions()) as session:
            user, token = add_user(
                session,
                name=name,
                role=role,
                department=department,
                email=email,
                now=core.now(),
                known_departments=set(core.catalogue.departments),
                token_lifetime=get_settings().token_lifetime,
            )
            user_id, expires = user.id, user.token_expires_at
    except DomainError as exc:
        raise click.UsageError(f"{exc.field}: {exc.detail}") from exc
    shown = {"id": user_id, "role": role, "token": token, "expires_at": _iso(expires)}
    click.echo(json.dumps(shown, ensure_ascii=False))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@users.command("list")
def users_list() -> None:
    """Every user and the state of their token (never the token)."""
    from approval_core.timeutil import utcnow
    from approval_core.users.service import overview

    with transaction(_sessions()) as session:
        rows = overview(session, utcnow())
    click.echo(json.dumps(rows, ensure_ascii=False, indent=2))


@users.command("disable")
@click.argument("user_id", type=int)
def users_disable(user_id: int) -> None:
    """Revoke the user's token and block login (other API processes: within
    SUNLIGHT_TOKEN_CACHE_SECONDS)."""
    from approval_core.timeutil import utcnow
    from approval_core.users.service import disable_user, token_state

    now = utcnow()
    try:
        with transaction(_sessions()) as session:
            user = disable_user(session, user_id, now)
            shown = {"id": user.id, "name": user.name, "token": token_state(user, now)}
    except DomainError as exc:
        raise click.UsageError(f"{exc.field}: {exc.detail_zh} / {exc.detail}") from exc
    click.echo(json.dumps(shown, ensure_ascii=False))


@users.command("rotate")
@click.argument("user_id", type=int)
def users_rotate(user_id: int) -> None:
    """Issue a new token (printed once) and revoke the old one."""
    from approval_core.timeutil import utcnow
    from approval_core.users.service import rotate_token

    lifetime = get_settings().token_lifetime
    try:
        with transaction(_sessions()) as session:
            user, token = rotate_token(session, user_id, utcnow(), lifetime)
            shown = {"id": user.id, "token": token, "expires_at": _iso(user.token_expires_at)}
    except DomainError as exc:
        raise click.UsageError(f"{exc.field}: {exc.detail_zh} / {exc.detail}") from exc
    click.echo(json.dumps(shown, ensure_ascii=False))


@main.group()
def records() -> None:
    """The audit trail."""


@records.command("verify")
def records_verify() -> None:
    """Check every case: its records' hashes and links, and the case row against its records
    (chain head, record count, the state they replay to). Exit 1 on any break."""
    from approval_core.records.verify import verify_records

    settings = get_settings()
    with transaction(_sessions()) as session:
        result = verify_records(session, settings.secret_key)
    for finding in result.findings:
        click.echo(finding.line())
    click.echo(result.summary())
    sys.exit(1 if result.findings else 0)


@main.group()
def calendar() -> None:
    """The working-day calendar."""


@calendar.command("status")
def calendar_status() -> None:
    from approval_core.system.service import calendar_status as status

    core = _core()
    with transaction(_sessions()) as session:
        click.echo(json.dumps(status(session, core), ensure_ascii=False, indent=2))


@calendar.command("recompute")
def calendar_recompute() -> None:
    """Recompute open cases' clocks on the policy in force (a reload does it by itself)."""
    from approval_core.system.service import recompute_clocks

    core = _core()
    with transaction(_sessions()) as session:
        click.echo(json.dumps(recompute_clocks(session, core), ensure_ascii=False))


@main.group()
def demo() -> None:
    """Demo data."""


@demo.command("load")
@click.option("--if-empty", is_flag=True, help="do nothing when cases exist already")
def demo_load(if_empty: bool) -> None:
    """Load demo users and a dozen cases in every state; print the demo tokens.
    Development only (SUNLIGHT_ENVIRONMENT=development): the demo tokens are published."""
    from api.demo import load_demo, refuse_outside_development

    _or_exit(lambda: refuse_outside_development(get_settings().environment))
    core = _core()
    with transaction(_sessions()) as session:
        lines = load_demo(session, core, if_empty=if_empty)
    for line in lines:
        click.echo(line)


def _register() -> None:
    from api.cli_evaluate import evaluate
    from api.cli_notifications import notifications
    from api.cli_rules import rules
    from api.cli_uploads import uploads

    main.add_command(rules)
    main.add_command(uploads)
    main.add_command(notifications)
    main.add_command(evaluate)


_register()


if __name__ == "__main__":
    main()
