"""Fixtures for the catalogue tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.catalogue.support import RulesCopy


@pytest.fixture
def rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RulesCopy:
    """A copy of the real rule files; messages then name them "rules/items.yaml" and so on."""
    monkeypatch.chdir(tmp_path)
    return RulesCopy(tmp_path)
