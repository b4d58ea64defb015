"""The usual slips in a YAML rule file, found by reading its text: tabs, full-width punctuation.

Policy staff type rules with input methods that slip in a tab, a full-width colon "：", comma "，"
or space, or curly quotes. `scan_text` finds each of them where it is written (the parser stops at
the first fault, often a line later, and names none of them); `scalar_faults` finds those that
YAML reads without complaint but that change the meaning (`[A，B]` is one item, `- code： X` a
text). The wording is in `yamlwording.SYNTAX_TEXTS`; `yamlsyntax` adds the parser's own fault.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import yaml

from approval_core.yamlwording import SYNTAX_TEXTS

CURLY_QUOTES = "“”‘’"
_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")
# A field name as the rule files spell them, then a full-width colon: a slip, not a text.
_FW_KEY = re.compile(r"[a-z_][a-z0-9_]* *(：)")
_BLANK = " \t\u3000"


@dataclass(frozen=True, order=True)
class SyntaxFault:
    """One fault at a 1-based line and column (as editors count them: characters, not bytes).

    A fault that is not `certain` (curly quotes, `key:value`) is often written on purpose; it is
    reported only where the parser failed.
    """

    line: int
    column: int
    zh: str = field(compare=False)
    en: str = field(compare=False)
    certain: bool = field(default=True, compare=False)


def fault(
    kind: str,
    line: int,
    column: int,
    values: Mapping[str, str] | None = None,
    *,
    certain: bool = True,
    hint: tuple[str, str] = ("", ""),
) -> SyntaxFault:
    """The fault `kind` of `SYNTAX_TEXTS` at line:column, its wording filled with `values`; a text
    that ends in {hint} gets `hint` (Chinese, English) there."""
    filled = {"line": str(line), "col": str(column), **(values or {})}
    zh, en = (
        text.format_map({**filled, "hint": extra.format_map(filled)})
        for text, extra in zip(SYNTAX_TEXTS[kind], hint, strict=True)
    )
    return SyntaxFault(line, column, zh, en, certain)


def lines_of(text: str) -> list[str]:
    """The lines of `text` as the parser counts them (no byte-order mark, no carriage return)."""
    return [line.removesuffix("\r") for line in text.removeprefix("\ufeff").split("\n")]


def scan_text(text: str) -> list[SyntaxFault]:
    """Every slip (tab, full-width punctuation, curly quote) written in `text`, outside
    comments, quotes and block texts, and every quote or bracket a line leaves open when the
    next line is no deeper (so does not continue the text or the list)."""
    faults: list[SyntaxFault] = []
    block: int | None = None  # inside a block text (| or >): its lines are indented beyond this
    pending: tuple[int, SyntaxFault] | None = None  # an open quote or bracket, and its indent
    for number, line in enumerate(lines_of(text), start=1):
        faults += _control_characters(line, number)
        if block is not None and _inside_block(line, block):
            continue
        content = has_content(line)
        if pending is not None and content:
            faults += [pending[1]] if indent_of(line) <= pending[0] else []
            pending = None
        scan = _LineScan(line, number, faults)
        block = scan.run()
        pending = scan.unclosed() if content else pending
    return faults + ([pending[1]] if pending else [])


def has_content(line: str) -> bool:
    """Whether a line holds more than spaces and a comment."""
    content = line.strip()
    return bool(content) and not content.startswith("#")


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def scalar_faults(node: yaml.Node, *, entry: bool, in_flow_list: bool) -> list[SyntaxFault]:
    """Slips that YAML reads as text: `node` is a mapping key or a list item (`entry`), or a
    plain text in a [flow, list] (`in_flow_list`), where "，" was meant as a separator."""
    if not isinstance(node, yaml.ScalarNode) or node.style is not None:
        return []
    text, mark = str(node.value), node.start_mark
    one_line = node.end_mark.line == mark.line

    def at(index: int) -> tuple[int, int]:
        return mark.line + 1, mark.column + 1 + (index if one_line else 0)

    found: list[SyntaxFault] = []
    colon = _FW_KEY.match(text)
    if entry and colon:
        found.append(fault("fw_colon", *at(colon.start(1))))
    if entry and text.startswith("\u3000"):
        found.append(fault("fw_space", *at(0)))
    if in_flow_list and "，" in text:
        found.append(fault("fw_comma", *at(text.index("，"))))
    return found


def _control_characters(line: str, number: int) -> list[SyntaxFault]:
    found = yaml.reader.Reader.NON_PRINTABLE.search(line)
    if found is None:
        return []
    code = f"#x{ord(found.group()):04X}"
    return [fault("control", number, found.start() + 1, {"code": code})]


def _inside_block(line: str, block: int) -> bool:
    """Whether `line` belongs to a block text whose lines are indented beyond `block`."""
    content = line.lstrip(" ")
    return not content.strip(_BLANK) or len(line) - len(content) > block


class _LineScan:
    """One line read token by token, just enough to tell keys, values, quotes and brackets."""

    def __init__(self, line: str, number: int, faults: list[SyntaxFault]) -> None:
        self.line, self.number, self.faults = line, number, faults
        self.depth = 0  # brackets opened on this line and not closed yet
        self.anchor = 0  # column of the line's key or list item (where a block text belongs)
        self.tabbed = False
        self.opened: list[int] = []  # where the brackets still open on this line start
        self.quote: int | None = None  # where a quote starts that the line does not close

    def unclosed(self) -> tuple[int, SyntaxFault] | None:
        """The line's indentation and its first quote or bracket left open, if any."""
        line, values = self.line, {}
        if self.quote is not None:
            at, kind = self.quote, "sq_open" if line[self.quote] == "'" else "dq_open"
        elif self.opened:
            at, kind = self.opened[0], "bracket_open"
            values = {"char": line[at], "close": "]" if line[at] == "[" else "}"}
        else:
            return None
        return indent_of(line), fault(kind, self.number, at + 1, values)

    def run(self) -> int | None:
        """Scan the line; if it opens a block text, the indentation its lines must exceed."""
        line, p = self.line, self._leading()
        start, value = True, False  # at the start of a node; that node is a mapping value
        while p < len(line):
            c = line[p]
            if c == "\t":
                self._tab(p)
            elif c == "#" and (p == 0 or line[p - 1] in _BLANK):
                return None
            elif self.depth and c in ",]}，":
                start = self._in_brackets(p)
            elif start and c in "|>" and not self.depth:
                return self.anchor
            elif start and c in "[{":
                self.depth, value = self.depth + 1, False
                self.opened.append(p)
            elif start:
                p, start = self._node(p, value)
                value = value and start
                continue
            elif c == ":" and self._blank(p + 1):
                start, value = True, True
            p += 1
        return None

    def _leading(self) -> int:
        line = self.line
        end = len(line) - len(line.lstrip(_BLANK))
        if "\t" in line[:end]:
            self._tab(line.index("\t"))
        elif "\u3000" in line[:end]:
            self._add("fw_space", line.index("\u3000"))
        return end

    def _node(self, p: int, value: bool) -> tuple[int, bool]:
        """At the start of a node: the next position, and whether a node still starts there."""
        c = self.line[p]
        if c == " ":
            return p + 1, True
        if c == "\u3000":
            self._add("fw_space", p)
            return p + 1, True
        if c == "-" and not self.depth and self._blank(p + 1):
            self.anchor = p
            return p + 1, True
        if c in "\"'":
            return self._quoted(p), False
        if c == "-" and not value and not self.depth and self.line[p + 1 : p + 2].isalpha():
            self._add("dash_space", p, certain=False)
        if c in CURLY_QUOTES:
            self._add("curly", p, certain=False, char=c)
        if not value:
            self._key(p)
            self.anchor = p if not self.depth else self.anchor
        return p + 1, False

    def _key(self, p: int) -> None:
        """At a key's place: a full-width colon after it, or `key:value` without the space."""
        found = _KEY.match(self.line, p)
        if found is None:
            return
        line, end = self.line, found.end()
        after = line[end:].lstrip(" ")
        numeric = found.group()[0].isdigit()  # a year like 2027 is a key, "3：见下" a text
        if after.startswith("：") and not (numeric and after[1:2] not in ("", " ")):
            self._add("fw_colon", len(line) - len(after))
        elif numeric or self.depth or line[end : end + 1] != ":" or self._blank(end + 1):
            return
        elif line[end + 1] not in ":/":  # not a web address or the like
            self._add("no_space", end, certain=False, key=found.group())

    def _in_brackets(self, p: int) -> bool:
        """A character inside brackets; whether a new entry starts after it."""
        c = self.line[p]
        if c == "，":
            self._add("fw_comma", p)
        elif c in "]}":
            self.depth -= 1
            self.opened = self.opened[:-1]
        return c == ","

    def _quoted(self, p: int) -> int:
        """The position after the quoted text starting at `p` (the line's end if not closed)."""
        line, quote, i = self.line, self.line[p], p + 1
        while i < len(line):
            if line[i] == "\\" and quote == '"':
                i += 2
            elif line[i] == quote and line[i + 1 : i + 2] == quote == "'":
                i += 2
            elif line[i] == quote:
                return i + 1
            else:
                i += 1
        self.quote = p
        return len(line)

    def _blank(self, p: int) -> bool:
        return p >= len(self.line) or self.line[p] in _BLANK

    def _tab(self, p: int) -> None:
        if not self.tabbed:
            self.tabbed = True
            indent = not self.line[:p].strip(_BLANK)
            self._add("tab_indent" if indent else "tab", p)

    def _add(self, kind: str, p: int, *, certain: bool = True, **values: str) -> None:
        self.faults.append(fault(kind, self.number, p + 1, values, certain=certain))
