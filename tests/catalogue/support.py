"""Helpers for the catalogue tests: a writable copy of the real rules/ files, and text edits."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "rules"


class RulesCopy:
    """A copy of rules/items.yaml, timeliness.yaml, fees.yaml and the blank forms they name
    (rules/forms/) under tmp_path/rules, to break."""

    def __init__(self, root: Path) -> None:
        self.dir = root / "rules"
        self.dir.mkdir()
        for name in ("items.yaml", "timeliness.yaml", "fees.yaml"):
            shutil.copy(RULES / name, self.dir / name)
        shutil.copytree(RULES / "forms", self.dir / "forms")

    def path(self, name: str) -> Path:
        return self.dir / name

    def text(self, name: str) -> str:
        return self.path(name).read_text(encoding="utf-8")

    def replace(self, name: str, old: str, new: str, *, after: str = "") -> int:
        """Replace the first `old` after the first `after`; return the 1-based line it was on."""
        text = self.text(name)
        start = text.index(after) if after else 0
        at = text.index(old, start)
        self.path(name).write_text(text[:at] + new + text[at + len(old) :], encoding="utf-8")
        return text.count("\n", 0, at) + 1

    def line_of(self, name: str, needle: str, *, after: str = "") -> int:
        """1-based line of the first `needle` after the first `after`."""
        text = self.text(name)
        start = text.index(after) if after else 0
        return text.count("\n", 0, text.index(needle, start)) + 1
