"""Legal bases still marked 待核 (to verify) in the rule files, for `sunlight rules check`.

Policy staff mark a basis 待核 when its article, figure or current text has not been checked
against the official text, and write after "待核：" what is still missing. Before going live they
need the list of what remains; this scans the files of the rules folder (not its tests) for it.
A mention of the marker itself in quotes ("待核", as in the files' headers) is not one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

MARK = "待核"
# An entry that a pending basis belongs to: an item, a rule, a fee entry or a stop type.
_ENTRY = re.compile(r"^(?P<indent>\s*)- (?P<key>code|id|item): *(?P<value>[^\s#]+)")
_MAX_ENTRY_INDENT = 4  # deeper `- code:` lines are materials and steps inside an item
_SECTION = re.compile(r"^ {0,2}(?P<key>[a-z_]+):\s*(#.*)?$")  # e.g. `  complaint_acceptance:`
_SEPARATOR = re.compile(r"^\s*# -{10,}")  # a section comment: what follows is the next entry


@dataclass(frozen=True)
class Pending:
    file: str  # the file name inside the rules folder
    line: int
    entry: str | None  # the item, rule or fee entry it belongs to
    text: str  # the line, without YAML key noise or comment marks

    def render(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where} [{self.entry}] {self.text}" if self.entry else f"{where} {self.text}"


def _marks_pending(line: str) -> bool:
    """Whether the line marks something 待核 (not merely mentions the marker in quotes)."""
    for found in re.finditer(MARK, line):
        before = line[found.start() - 1] if found.start() else ""
        if before not in ('"', "“", "「"):
            return True
    return False


def _clean(line: str) -> str:
    text = line.strip().lstrip("#").strip()
    return re.sub(r"^(- )?[a-z_]+: ", "", text)


def pending_in(path: Path, name: str) -> list[Pending]:
    """The 待核 marks of one rule file, with the entry each belongs to."""
    found: list[Pending] = []
    entry: str | None = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _ENTRY.match(line)
        if match and (match["key"] != "code" or len(match["indent"]) <= _MAX_ENTRY_INDENT):
            entry = match["value"]
        elif section := _SECTION.match(line):
            entry = section["key"]
        elif _SEPARATOR.match(line):
            entry = None
        if _marks_pending(line):
            found.append(Pending(name, number, entry, _clean(line)))
    return found


def pending_bases(rules_dir: Path) -> list[Pending]:
    """Every 待核 mark of the rule files (*.yaml directly in the folder), in file order."""
    found: list[Pending] = []
    for path in sorted(rules_dir.glob("*.yaml")):
        found += pending_in(path, path.name)
    return found
