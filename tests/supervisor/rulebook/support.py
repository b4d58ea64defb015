"""Helpers for the rulebook tests: a writable copy of the rule files, positions of text in it."""

from __future__ import annotations

import shutil
from pathlib import Path

from supervisor.rulebook import check_rulebook
from tests.catalogue.support import RULES, RulesCopy


class RuleFiles(RulesCopy):
    """The catalogue files plus rules/procedure.yaml, copied under tmp_path/rules to break."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        shutil.copy(RULES / "procedure.yaml", self.dir / "procedure.yaml")

    def at(self, name: str, needle: str, *, after: str = "") -> str:
        """ "rules/NAME:LINE:COLUMN" of the first `needle` after the first `after` (1-based)."""
        line, column = locate(self.path(name), needle, after=after)
        return f"rules/{name}:{line}:{column}"

    def append(self, name: str, text: str) -> None:
        with self.path(name).open("a", encoding="utf-8") as out:
            out.write(text)

    def problems(self) -> list[str]:
        """What `check_rulebook` reports; asserts that there is something."""
        found = check_rulebook(self.dir)
        assert found, "the broken copy was expected to have problems"
        return found


def only_problem(rules: RuleFiles) -> str:
    (message,) = rules.problems()
    return message


def locate(path: Path, needle: str, *, after: str = "") -> tuple[int, int]:
    """1-based line and column of the first `needle` after the first `after` in the file."""
    text = path.read_text(encoding="utf-8")
    start = text.index(after) if after else 0
    index = text.index(needle, start)
    return text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index)
