"""Fixtures for the policy tools: a writable copy of rules/ (with its tests) and a CLI runner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import RULES
from tests.supervisor.policy.support import RulesDir


@pytest.fixture
def rules_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RulesDir:
    """rules/ copied to tmp_path/rules; the working directory is tmp_path, so messages name
    the files "rules/procedure.yaml", "rules/tests/fees.yaml" and so on."""
    shutil.copytree(RULES, tmp_path / "rules")
    monkeypatch.chdir(tmp_path)
    return RulesDir(tmp_path / "rules")


@pytest.fixture
def runner(cli_env: CliRunner) -> CliRunner:
    """Settings pointing at the test database and the real rules (tests/conftest.py)."""
    return cli_env
