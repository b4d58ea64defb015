"""Fixtures for the rulebook tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from approval_core.catalogue import Catalogue, load_catalogue
from supervisor.rulebook import RuleSet, load_rulebook
from tests.catalogue.support import RULES
from tests.supervisor.rulebook.support import RuleFiles


@pytest.fixture
def rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RuleFiles:
    """A copy of the real rule files; messages then name them "rules/procedure.yaml" and so on."""
    monkeypatch.chdir(tmp_path)
    return RuleFiles(tmp_path)


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue(RULES)


@pytest.fixture(scope="session")
def ruleset(catalogue: Catalogue) -> RuleSet:
    return load_rulebook(RULES, catalogue)
