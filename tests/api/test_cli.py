"""The `sunlight` command line against the test database."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from api.cli import main
from approval_core.cases.models import Case
from approval_core.records.models import CaseRecord
from approval_core.settings import get_settings
from tests.conftest import RULES


def test_users_add_prints_a_working_token(cli_env: CliRunner) -> None:
    result = cli_env.invoke(
        main, ["users", "add", "--name", "李四", "--role", "handler", "--department", "LAWYER-DIV"]
    )
    assert result.exit_code == 0, result.output
    created = json.loads(result.output)
    assert created["role"] == "handler"
    assert len(created["token"]) >= 24
    bad = cli_env.invoke(
        main, ["users", "add", "--name", "王五", "--role", "handler", "--department", "NOPE"]
    )
    assert bad.exit_code != 0
    assert "department" in bad.output


def test_demo_loads_cases_in_every_state_and_chains_verify(
    cli_env: CliRunner, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUNLIGHT_ENVIRONMENT", "development")  # demo data: development only
    get_settings.cache_clear()
    assert cli_env.invoke(main, ["db", "upgrade"]).exit_code == 0
    result = cli_env.invoke(main, ["demo", "load", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "demo-handler" in result.output
    with sessions() as session:
        states = {c.state for c in session.query(Case)}
        overdue = [c for c in session.query(Case) if c.clock_overdue > 0]
        near = [c for c in session.query(Case) if c.clock_running and 0 <= c.clock_remaining <= 3]
    assert states == {
        "submitted",
        "registered",
        "supplementing",
        "accepted",
        "handling",
        "reviewing",
        "reviewed",
        "suspended",
        "concluded",
        "rejected",
        "withdrawn",
    }
    assert overdue
    assert near
    again = cli_env.invoke(main, ["demo", "load", "--if-empty"])
    assert "not loaded again" in again.output
    verify = cli_env.invoke(main, ["records", "verify"])
    assert verify.exit_code == 0, verify.output
    assert ", 0 breaks" in verify.output
    with sessions() as session, session.begin():
        session.execute(update(CaseRecord).where(CaseRecord.seq == 2).values(reason="changed"))
    broken = cli_env.invoke(main, ["records", "verify"])
    assert broken.exit_code == 1
    assert "BREAK" in broken.output


def test_calendar_status(cli_env: CliRunner) -> None:
    result = cli_env.invoke(main, ["calendar", "status"])
    assert result.exit_code == 0, result.output
    assert "calendar_version" in json.loads(result.output)


def test_a_broken_rule_file_stops_the_commands_with_its_line(
    cli_env: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    items = rules / "items.yaml"
    text = items.read_text(encoding="utf-8")
    items.write_text(text.replace("    limit: 30", "    limit: thirty", 1), encoding="utf-8")
    line = text[: text.index("    limit: 30")].count("\n") + 1
    monkeypatch.setenv("SUNLIGHT_RULES_DIR", str(rules))
    get_settings.cache_clear()
    for command in (["calendar", "status"], ["serve", "--port", "1"]):
        result = cli_env.invoke(main, command)
        assert result.exit_code == 1
        assert f"items.yaml:{line}:5:" in result.output
