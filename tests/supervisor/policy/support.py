"""Helpers for the policy tool tests: edit files of a rules/ copy, find positions in them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RulesDir:
    """A writable copy of rules/ (rule files and rules/tests)."""

    dir: Path

    def path(self, name: str) -> Path:
        return self.dir / name

    def text(self, name: str) -> str:
        return self.path(name).read_text(encoding="utf-8")

    def write(self, name: str, text: str) -> None:
        self.path(name).parent.mkdir(parents=True, exist_ok=True)
        self.path(name).write_text(text, encoding="utf-8")

    def replace(self, name: str, old: str, new: str, *, after: str = "") -> None:
        """Replace the first `old` after the first `after`."""
        text = self.text(name)
        index = text.index(old, text.index(after) if after else 0)
        self.write(name, text[:index] + new + text[index + len(old) :])

    def at(self, name: str, needle: str, *, after: str = "") -> str:
        """ "rules/NAME:LINE:COLUMN" of the first `needle` after the first `after`."""
        text = self.text(name)
        index = text.index(needle, text.index(after) if after else 0)
        line = text.count("\n", 0, index) + 1
        column = index - text.rfind("\n", 0, index)
        return f"rules/{name}:{line}:{column}"

    def line(self, name: str, needle: str) -> str:
        """ "rules/NAME:LINE" of the first `needle`."""
        return self.at(name, needle).rsplit(":", 1)[0]
