"""Rule files in YAML: load them keeping every node's line and column, report faults in place.

Every rule file goes through here, so policy staff always get the same kind of message, Chinese
first, pointing at the spot to fix: ``rules/items.yaml:42:7: 字段 limit 必须是正整数 / field limit
must be a positive integer``. `load_yaml` reports every syntax fault in plain words at its cause
(`yamlsyntax`: tabs, full-width punctuation, open quotes and brackets, indentation), duplicate
keys (plain PyYAML silently keeps the last) and full-width punctuation that YAML reads as text;
`validate` / `check` turn *every* pydantic error into such a message (`yamlwording`), with a
did-you-mean for unknown keys. Checks a model cannot express build `Problem`s and format
them with `YamlDocument.format`; validators may raise `RuleViolation` to point at exact fields.
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import AfterValidator, BaseModel, ValidationError
from pydantic_core import ErrorDetails

from approval_core.errors import ConfigError
from approval_core.yamlscan import scalar_faults
from approval_core.yamlsyntax import syntax_faults, undecodable, unreadable
from approval_core.yamlwording import wording

Loc = tuple[Any, ...]  # a path into the data: mapping keys and sequence indices
ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True, order=True)
class Mark:
    """A position in a file, both 1-based (as editors show them)."""

    line: int
    column: int


@dataclass(frozen=True)
class Problem:
    """One fault at `loc` (a path into the data); `at` overrides the position the path gives."""

    loc: Loc
    zh: str
    en: str
    at: Mark | None = None


class RuleViolation(ValueError):
    """Raised by a validator to report one or more problems at paths relative to what it checks.

    pydantic wraps it in a `value_error`; `explain` unwraps it so that each problem points at its
    own field instead of at the start of the model. "{field}" in a text becomes the field's name.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(f"{p.zh} / {p.en}" for p in problems))
        self.problems = tuple(problems)

    @classmethod
    def one(cls, loc: Loc, zh: str, en: str) -> RuleViolation:
        return cls([Problem(loc, zh, en)])


@dataclass(frozen=True)
class YamlDocument:
    """Plain data of one YAML file (dicts, lists, scalars) and where each node came from."""

    source: str  # the path as shown in messages
    data: Any
    value_marks: dict[Loc, Mark] = field(repr=False)
    key_marks: dict[Loc, Mark] = field(repr=False)

    def resolve(self, loc: Iterable[Any]) -> Loc:
        """The part of `loc` that exists in the data (drops pydantic's union tags and the like)."""
        node: Any = self.data
        found: list[Any] = []
        for part in loc:
            in_map = isinstance(node, Mapping) and isinstance(part, Hashable) and part in node
            in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
            if in_map or in_list:
                node = node[part]
                found.append(part)
        return tuple(found)

    def mark(self, loc: Iterable[Any]) -> Mark:
        """Where `loc` is written: a mapping entry's key, a list element, or the nearest parent."""
        path = self.resolve(loc)
        return self.key_marks.get(path) or self.value_marks.get(path, Mark(1, 1))

    def format(self, problem: Problem) -> str:
        mark = problem.at or self.mark(problem.loc)
        return f"{self.source}:{mark.line}:{mark.column}: {problem.zh} / {problem.en}"


def display_path(path: Path) -> str:
    """`path` relative to the working directory when it lies below it (as policy staff type it)."""
    resolved, cwd = path.resolve(), Path.cwd().resolve()
    return resolved.relative_to(cwd).as_posix() if resolved.is_relative_to(cwd) else str(path)


def load_yaml(path: Path, *, source: str | None = None) -> YamlDocument:
    """Read and parse one file. Raises `ConfigError` on unreadable files or YAML faults."""
    shown = source or display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([unreadable(shown, exc)]) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError([undecodable(shown, exc)]) from exc
    return parse_yaml(text, shown)


def parse_yaml(text: str, source: str) -> YamlDocument:
    """Parse YAML text. Raises `ConfigError` listing every syntax fault found (see
    `yamlsyntax`), or all duplicate keys and slips that YAML reads as text."""
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:  # a control character
        raise ConfigError(_syntax_messages(source, text, exc)) from exc
    try:
        root = loader.get_single_node()
        builder = _Builder(loader)
        data = builder.build(root, ()) if root is not None else None
    except (yaml.MarkedYAMLError, yaml.reader.ReaderError) as exc:
        raise ConfigError(_syntax_messages(source, text, exc)) from exc
    finally:
        loader.dispose()
    doc = YamlDocument(source, data, builder.values, builder.keys)
    if builder.problems:
        raise ConfigError([doc.format(p) for p in builder.problems])
    return doc


def validate(doc: YamlDocument, model: type[ModelT]) -> ModelT:
    """The document as `model`, or `ConfigError` listing every fault with file:line:column."""
    result, problems = check(doc, model)
    if result is None:
        raise ConfigError(problems)
    return result


def check(doc: YamlDocument, model: type[ModelT]) -> tuple[ModelT | None, list[str]]:
    """Like `validate` but returns the messages, for callers that collect across files."""
    try:
        return model.model_validate(doc.data), []
    except ValidationError as exc:
        return None, explain(doc, exc, model)


def explain(doc: YamlDocument, error: ValidationError, model: type[BaseModel]) -> list[str]:
    """One "file:line:column: 中文 / English" message per entry of `error`, in file order."""
    problems = [p for detail in error.errors() for p in _problems_of(detail, doc, model)]
    problems.sort(key=lambda p: p.at or doc.mark(p.loc))
    return list(dict.fromkeys(doc.format(p) for p in problems))


def matching(pattern: str, zh: str, en: str) -> AfterValidator:
    """A pydantic validator: text matching `pattern`, else `zh` / `en` in plain words (policy
    staff should read "须为 区号-号码", not a regular expression)."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not value:
            raise RuleViolation.one((), "字段 {field} 不能为空", "field {field} must not be empty")
        if not compiled.fullmatch(value):
            raise RuleViolation.one((), f"字段 {{field}} {zh}", f"field {{field}} {en}")
        return value

    return AfterValidator(check)


def sort_messages(messages: Iterable[str]) -> list[str]:
    """Messages in file order (by file, then line, then column), each once."""
    where = re.compile(r"^(.*?):(\d+):(\d+):")

    def key(message: str) -> tuple[str, int, int]:
        found = where.match(message)
        return (found[1], int(found[2]), int(found[3])) if found else (message, 0, 0)

    return sorted(dict.fromkeys(messages), key=key)


def suggest(word: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate to a mistyped `word`, if any is close enough."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def field_label(loc: Loc) -> str:
    """How a path is named in messages: the last key, with the index for list elements ("" for
    the whole file)."""
    parts = [p for p in loc if p != "[key]"]
    if not parts:
        return ""
    last = parts[-1]
    if isinstance(last, int) and not isinstance(last, bool):
        before = next((p for p in reversed(parts[:-1]) if isinstance(p, str)), "")
        return f"{before}[{last}]"
    return str(last)


# --- building data with marks -----------------------------------------------------------------
class _Builder:
    """Turns a composed node tree into plain data, recording marks and duplicate keys."""

    def __init__(self, loader: yaml.SafeLoader) -> None:
        self.loader = loader
        self.values: dict[Loc, Mark] = {}
        self.keys: dict[Loc, Mark] = {}
        self.problems: list[Problem] = []
        self._active: set[int] = set()

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        self.values.setdefault(loc, _mark(node.start_mark))
        if id(node) in self._active:  # an alias that contains itself
            self.problems.append(Problem(loc, "别名循环引用", "recursive alias"))
            return None
        self._active.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, loc)
            if isinstance(node, yaml.SequenceNode):
                return [
                    self._item(item, (*loc, i), bool(node.flow_style))
                    for i, item in enumerate(node.value)
                ]
            return self._construct(node)
        finally:
            self._active.discard(id(node))

    def _item(self, node: yaml.Node, loc: Loc, flow: bool) -> Any:
        self.problems += _slips(node, loc, entry=True, in_flow_list=flow)
        return self.build(node, loc)

    def _construct(self, node: yaml.Node) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except ValueError:  # 2027-02-30 read as a date: kept as written, for the model to report
            self.loader.recursive_objects.pop(node, None)  # so that an alias of it fares the same
            return node.value

    def _mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[Any, Any]:
        self.loader.flatten_mapping(node)  # resolves "<<" merge keys
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self._construct(key_node)
            mark = _mark(key_node.start_mark)
            self.problems += _slips(key_node, loc, entry=True)
            if not isinstance(key, Hashable):
                self.problems.append(Problem(loc, "键必须是简单值", "a key must be a plain value"))
                continue
            if key in result:  # also 1 and true: Python cannot keep both
                first = self.keys[(*loc, key)].line
                zh = f"键 {key} 重复（首次出现在第 {first} 行）"
                en = f"duplicate key {key} (first at line {first})"
                self.problems.append(Problem((*loc, key), zh, en, at=mark))
                continue
            self.keys[(*loc, key)] = mark
            result[key] = self.build(value_node, (*loc, key))
        return result


def _mark(mark: yaml.Mark) -> Mark:
    return Mark(mark.line + 1, mark.column + 1)


def _syntax_messages(source: str, text: str, exc: yaml.YAMLError) -> list[str]:
    faults = syntax_faults(text, exc)
    return [f"{source}:{f.line}:{f.column}: {f.zh} / {f.en}" for f in faults]


def _slips(node: yaml.Node, loc: Loc, *, entry: bool, in_flow_list: bool = False) -> list[Problem]:
    """Full-width punctuation in `node` that YAML took as text (see `yamlscan.scalar_faults`)."""
    found = scalar_faults(node, entry=entry, in_flow_list=in_flow_list)
    return [Problem(loc, f.zh, f.en, at=Mark(f.line, f.column)) for f in found]


# --- explaining pydantic errors ---------------------------------------------------------------
def _problems_of(detail: ErrorDetails, doc: YamlDocument, model: type[BaseModel]) -> list[Problem]:
    loc: Loc = tuple(detail["loc"])
    ctx = detail.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, RuleViolation):
        return [_within(doc.resolve(loc), p) for p in cause.problems]
    kind = detail["type"]
    if kind == "extra_forbidden":
        return [_unknown_key(loc, model)]
    if kind == "missing":
        name = field_label(loc)
        return [Problem(loc[:-1], f"缺少必填字段 {name}", f"required field {name} is missing")]
    key = bool(loc) and loc[-1] == "[key]"  # the fault is in a mapping key, not its value
    loc = loc[:-1] if key else loc
    name = str(loc[-1]) if key else field_label(doc.resolve(loc) or loc)
    zh, en = wording(kind, name, ctx, detail["msg"], key=key)
    return [Problem(loc, zh, en)]


def _within(base: Loc, problem: Problem) -> Problem:
    """`problem` of a validator, moved below `base` and with "{field}" filled in."""
    at = (*base, *problem.loc)
    name = field_label(at)
    zh = problem.zh.replace("{field}", name or "文件内容")
    return Problem(at, zh, problem.en.replace("{field}", name or "the file"))


def _unknown_key(loc: Loc, model: type[BaseModel]) -> Problem:
    name, allowed = str(loc[-1]), _fields_at(model, loc[:-1])
    hint = suggest(name, allowed) if allowed else None
    zh, en = f"未知字段 {name}", f"unknown field {name}"
    if hint:
        zh += f"，是否应为 {hint}？"
        en += f"; did you mean {hint}?"
    elif allowed:
        zh += f"（可用字段：{', '.join(allowed)}）"
        en += f" (allowed: {', '.join(allowed)})"
    return Problem(loc, zh, en)


def _fields_at(model: type[BaseModel], path: Loc) -> list[str]:
    """Names allowed at `path` of `model` (for did-you-mean), or [] if it cannot be told."""
    current: Any = model
    for part in path:
        current, tagged = _unwrap(current, part)
        if tagged:  # the part was pydantic's tag naming a union member
            continue
        args, origin = get_args(current), get_origin(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            names = {info.alias or name: name for name, info in current.model_fields.items()}
            if part not in names:
                return []
            current = current.model_fields[names[part]].annotation
        elif origin in (list, tuple, set, frozenset, Sequence) and args:
            current = args[0]
        elif origin in (dict, Mapping) and len(args) == 2:
            current = args[1]
        else:
            return []
    current, _ = _unwrap(current, None)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [info.alias or name for name, info in current.model_fields.items()]
    return []


def _unwrap(tp: Any, tag: Any) -> tuple[Any, bool]:
    """Strip Annotated and Optional; (member, True) when `tag` names a member of a union."""
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    if get_origin(tp) not in (Union, types.UnionType):
        return tp, False
    members = [a for a in get_args(tp) if a is not type(None)]
    if len(members) == 1:
        return _unwrap(members[0], tag)
    for member in members:  # a tag is a member's class name, or its discriminator value
        if isinstance(tag, str) and tag in (getattr(member, "__name__", None), *_literals(member)):
            return member, True
    return tp, False


def _literals(member: Any) -> list[Any]:
    """Values of the Literal fields of a model (where a discriminated union finds its tags)."""
    if not (isinstance(member, type) and issubclass(member, BaseModel)):
        return []
    types_ = [f.annotation for f in member.model_fields.values()]
    return [v for t in types_ if get_origin(t) is Literal for v in get_args(t)]
