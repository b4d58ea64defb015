"""Fixtures for the policy tools: a writable copy of rules/ (with its tests) and a CLI runner."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from approval_core.settings import get_settings
from tests.conftest import KEY, RULES
from tests.supervisor.policy.support import RulesDir


@pytest.fixture
def rules_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RulesDir:
    """rules/ copied to tmp_path/rules; the working directory is tmp_path, so messages name
    the files "rules/procedure.yaml", "rules/tests/fees.yaml" and so on."""
    shutil.copytree(RULES, tmp_path / "rules")
    monkeypatch.chdir(tmp_path)
    return RulesDir(tmp_path / "rules")


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, db_url: str) -> Iterator[CliRunner]:
    """Settings pointing at the test database and the real rules."""
    monkeypatch.setenv("SUNLIGHT_DATABASE_URL", db_url)
    monkeypatch.setenv("SUNLIGHT_SECRET_KEY", KEY)
    monkeypatch.setenv("SUNLIGHT_RULES_DIR", str(RULES))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()
