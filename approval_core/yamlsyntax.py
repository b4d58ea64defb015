"""YAML syntax errors told to policy staff in Chinese and English, each at the place to fix.

PyYAML stops at the first fault and words it for programmers ("mapping values are not allowed
here"), often a line after the cause. `syntax_faults` lists every usual slip the text shows
(`yamlscan`: tabs, full-width punctuation), then the parser's own fault, worded in plain language
and moved to its cause (the quote or bracket left open, the key without a colon, the line indented
wrongly), unless a slip already found on its lines explains it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from approval_core.yamlscan import (
    CURLY_QUOTES,
    SyntaxFault,
    fault,
    has_content,
    indent_of,
    lines_of,
    scan_text,
)
from approval_core.yamlwording import HINTS, PHRASES

_CLOSERS = {"[": ("]", "］】"), "{": ("}", "｝")}
_KEY_COLON = re.compile(r":( |$)")  # a colon that ends a key
_FOUND_CHAR = re.compile(r"found character '(.+)' that cannot start any token")


@dataclass(frozen=True)
class _Failure:
    """Where and why the parser stopped, both positions 1-based and inside the text."""

    lines: list[str]
    context: str
    problem: str
    line: int
    column: int
    context_line: int
    context_column: int

    def text(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""

    def previous(self) -> int:
        """The nearest line above the fault with content (not blank, not only a comment)."""
        above = (n for n in range(self.line - 1, 0, -1) if has_content(self.text(n)))
        return next(above, self.line)


Explained = tuple[SyntaxFault, set[int]]  # the parser's fault, lines whose slips explain it


def syntax_faults(text: str, error: yaml.YAMLError) -> list[SyntaxFault]:
    """Every fault found in `text`, which the parser refused with `error`, in file order."""
    found = scan_text(text)
    parsed, near = explain_error(text, error)
    kept = [f for f in found if f.certain or f.line in near]
    if not any(f.line in near for f in kept):
        kept.append(parsed)
    return sorted({(f.line, f.column): f for f in kept}.values())  # the parser's wins a tie


def explain_error(text: str, error: yaml.YAMLError) -> Explained:
    """The parser's `error` in plain words at its cause, and the lines where a slip causes it."""
    if isinstance(error, yaml.reader.ReaderError):
        before = text[: error.position].removeprefix("\ufeff")
        line = before.count("\n") + 1
        column = len(before) - before.rfind("\n")
        code = f"#x{error.character:04X}" if isinstance(error.character, int) else "?"
        return fault("control", line, column, {"code": code}), {line}
    failure = _failure(lines_of(text), error)
    for explain in _EXPLAINERS:
        found = explain(failure)
        if found is not None:
            return found
    return _generic(failure)


def unreadable(source: str, error: OSError) -> str:
    """The message for a rule file that cannot be opened."""
    reasons = {FileNotFoundError: "文件不存在", PermissionError: "没有读取权限"}
    reason = reasons.get(type(error), "请检查路径是否指向一个文件")
    why = error.strerror or str(error)
    return f"{source}:1:1: 无法读取文件（{reason}） / cannot read the file: {why}"


def undecodable(source: str, error: UnicodeDecodeError) -> str:
    """The message for a rule file that is not UTF-8, at the first byte that is not."""
    before = bytes(error.object[: error.start]).removeprefix(b"\xef\xbb\xbf")
    line = before.count(b"\n") + 1
    column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", errors="replace")) + 1
    return (
        f"{source}:{line}:{column}: 文件不是 UTF-8 编码（第 {line} 行第 {column} 列起），"
        f"请在编辑器中用 UTF-8 编码另存 / the file is not UTF-8 text (from line {line}, "
        f"column {column}): save it as UTF-8"
    )


def _fault(
    kind: str, line: int, column: int, *, hint: tuple[str, str] = ("", ""), **values: str
) -> SyntaxFault:
    return fault(kind, line, column, values, hint=hint)


def _failure(lines: list[str], error: yaml.YAMLError) -> _Failure:
    problem = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    context = getattr(error, "context_mark", None) or problem
    line, column = _inside(lines, problem)
    context_line, context_column = _inside(lines, context)
    words = (getattr(error, "context", None) or "", getattr(error, "problem", None) or str(error))
    return _Failure(lines, *words, line, column, context_line, context_column)


def _inside(lines: list[str], mark: yaml.Mark | None) -> tuple[int, int]:
    """A mark as (line, column), moved from past the end to the end of the last line."""
    if mark is None:
        return 1, 1
    filled = [number for number, text in enumerate(lines, start=1) if text.strip()] or [1]
    if mark.line + 1 > filled[-1]:
        return filled[-1], len(lines[filled[-1] - 1]) + 1
    return mark.line + 1, mark.column + 1


def _code(text: str) -> str:
    """A line without its comment and trailing spaces (near enough for the checks here)."""
    return text.split(" #")[0].rstrip()


def _key_column(text: str) -> int:
    """Where the key of a line starts, after its list dashes."""
    return len(text) - len(re.sub(r"^[ ]*(-[ ]+)*", "", text))


def _unexpected_character(f: _Failure) -> Explained | None:
    if "tab character" in f.problem or "'\\t'" in f.problem:
        kind = "tab" if f.text(f.line)[: f.column - 1].strip() else "tab_indent"
        return fault(kind, f.line, f.column), {f.line}
    if _FOUND_CHAR.search(f.problem) is None:
        return None
    char = f.text(f.line)[f.column - 1 : f.column]
    return _fault("cannot_start", f.line, f.column, char=char), {f.line}


def _quote(f: _Failure) -> Explained | None:
    if "escape character" in f.problem:
        return _fault("bad_escape", f.line, f.column), {f.line}
    if f.context != "while scanning a quoted scalar":
        return None
    text = f.text(f.context_line)
    kind = "sq_open" if text[f.context_column - 1 : f.context_column] == "'" else "dq_open"
    curly = [c for c in text[f.context_column :] if c in CURLY_QUOTES]
    hint = HINTS["curly_close"] if curly else ("", "")
    found = _fault(kind, f.context_line, f.context_column, hint=hint, char="".join(curly[:1]))
    return found, set()  # its own cause, whatever else the line holds


def _bracket(f: _Failure) -> Explained | None:
    if not (f.context.startswith("while parsing a flow") and f.problem.startswith("expected ','")):
        return None
    text = f.text(f.context_line)
    opening = text[f.context_column - 1 : f.context_column]
    close, full_width = _CLOSERS.get(opening, ("]", ""))
    if f.line == f.context_line and "<stream end>" not in f.problem:
        return _fault("flow_sep", f.line, f.column, close=close), {f.line}
    wrong = [c for c in text[f.context_column :] if c in full_width]
    hint = HINTS["fw_close"] if wrong else ("", "")
    values = {"char": opening, "close": close, "wrong": "".join(wrong[:1])}
    return _fault("bracket_open", f.context_line, f.context_column, hint=hint, **values), set()


def _colon(f: _Failure) -> Explained | None:
    """A colon where no key may start: a value holding ": ", or a line that continues the text
    of the line above (indented deeper, or that line lacks its colon)."""
    if f.problem != "mapping values are not allowed here":
        return None
    text, above = f.text(f.line), f.previous()
    if _KEY_COLON.search(_code(text[: f.column - 1])):
        return _fault("colon_in_value", f.line, f.column), {f.line}
    above_text, near = _code(f.text(above)), {f.line, above}
    deeper = indent_of(text) - _key_column(above_text)
    if above == f.line or deeper < 0 or above_text.endswith(":"):
        return _fault("colon_here", f.line, f.column), near
    if deeper > 0:
        return _fault("deeper", f.line, indent_of(text) + 1, more=str(deeper)), near
    if not _KEY_COLON.search(above_text):
        return _fault("no_colon", above, _key_column(above_text) + 1), near
    return _fault("colon_here", f.line, f.column), near


def _block_end(f: _Failure) -> Explained | None:
    """Something where the entry should have ended: text after a closing quote or bracket, a
    stray bracket or dash, or a line that lines up with no level."""
    if not f.problem.startswith("expected <block end>, but found"):
        return None
    text, near = f.text(f.line), {f.line, f.previous()}
    found = f.problem.rsplit("found ", 1)[1].strip("'")
    before = text[: f.column - 1].rstrip(" ")
    if found == "<scalar>" and before[-1:] in ("'", '"'):
        return _fault("quote_inside", f.line, len(before), char=before[-1]), {f.line}
    if found == "<scalar>" and before[-1:] in ("]", "}"):
        return _fault("after_close", f.line, f.column, char=before[-1]), {f.line}
    if found == "-":
        return _fault("dash", f.line, f.column), near
    if found in ("]", "}"):
        return _fault("extra_close", f.line, f.column, char=found), {f.line}
    if f.column != indent_of(text) + 1:
        return None
    above = f.text(f.previous())
    if above.lstrip().startswith("- ") and indent_of(above) == indent_of(text):
        return _fault("list_key", f.line, f.column), near
    return _fault("misaligned", f.line, f.column, indent=str(indent_of(text))), near


def _document_start(f: _Failure) -> Explained | None:
    """A top-level key after the first one, which was indented: the first is at fault."""
    if not f.problem.startswith("expected '<document start>'"):
        return None
    first = next((n for n in range(1, f.line) if has_content(f.text(n))), f.line)
    indent = indent_of(f.text(first))
    if not indent or indent_of(f.text(f.line)):
        return None
    return _fault("top_indented", first, indent + 1, indent=str(indent)), {first, f.line}


def _simple_key(f: _Failure) -> Explained | None:
    if f.context != "while scanning a simple key":
        return None
    return _fault("no_colon", f.context_line, f.context_column), {f.context_line}


def _composing(f: _Failure) -> Explained | None:
    alias = re.match(r"found undefined alias '(.*)'", f.problem)
    if alias:
        return _fault("alias", f.line, f.column, name=alias[1]), {f.line}
    if f.problem == "but found another document":
        return _fault("documents", f.line, f.column), {f.line}
    if f.problem.startswith("could not determine a constructor for the tag"):
        return _fault("tag", f.line, f.column), {f.line}
    return None


_EXPLAINERS = (
    *(_unexpected_character, _quote, _bracket, _colon, _block_end),
    *(_document_start, _simple_key, _composing),
)


def _generic(f: _Failure) -> Explained:
    both = f"{f.context} {f.problem}"
    what_zh = next((zh for phrase, zh in PHRASES if phrase in both), "无法读懂这里的写法")
    zh = _fault("generic", f.line, f.column, what=what_zh).zh
    en = _fault(
        "generic", f.line, f.column, what=", ".join(filter(None, (f.context, f.problem)))
    ).en
    return SyntaxFault(f.line, f.column, zh, en), {f.line}
