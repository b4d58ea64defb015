"""Reading YAML as nodes so that every complaint about a rule file can name file:line:column."""

from __future__ import annotations

from datetime import date

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from approval_core.errors import ConfigError

NULL_TAG = "tag:yaml.org,2002:null"


class Problems:
    """Collects every problem of one file, so policy staff see all of them at once."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.items: list[str] = []

    def where(self, node: Node) -> str:
        mark = node.start_mark
        return f"{self.source}:{mark.line + 1}:{mark.column + 1}"

    def add(self, node: Node, message: str) -> None:
        self.items.append(f"{self.where(node)}: {message}")

    def raise_if_any(self) -> None:
        if self.items:
            raise ConfigError(self.items)


def compose(text: str, source: str) -> Node | None:
    """Parse YAML text into a node tree; a syntax error becomes a ConfigError with its position."""
    try:
        node: Node | None = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        raise ConfigError([f"{where}: YAML 语法错误 / syntax error: {exc.problem}"]) from exc
    except yaml.YAMLError as exc:  # pragma: no cover - non-marked errors are rare
        raise ConfigError([f"{source}: YAML 语法错误 / syntax error: {exc}"]) from exc
    return node


def is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == NULL_TAG


def mapping_items(
    node: Node, problems: Problems, what: str, allowed: frozenset[str] | None = None
) -> list[tuple[ScalarNode, Node]] | None:
    """The key/value pairs of a mapping, checking it is one, keys are scalars and known."""
    if not isinstance(node, MappingNode):
        problems.add(node, f"应为映射 / {what} must be a mapping (key: value)")
        return None
    pairs: list[tuple[ScalarNode, Node]] = []
    seen: dict[str, ScalarNode] = {}
    for key, value in node.value:
        if not isinstance(key, ScalarNode):
            problems.add(key, f"键必须是简单值 / keys of {what} must be plain values")
            continue
        if allowed is not None and key.value not in allowed:
            known = ", ".join(sorted(allowed))
            problems.add(key, f"未知字段 / unknown field {key.value!r} in {what} (known: {known})")
            continue
        if key.value in seen:
            first = seen[key.value].start_mark.line + 1
            problems.add(key, f"重复 / {key.value!r} given twice in {what} (first at line {first})")
            continue
        seen[key.value] = key
        pairs.append((key, value))
    return pairs


def sequence_items(node: Node, problems: Problems, what: str) -> list[Node]:
    """The items of a list; an empty value (null) is an empty list."""
    if is_null(node):
        return []
    if not isinstance(node, SequenceNode):
        problems.add(node, f"应为列表 / {what} must be a list")
        return []
    items: list[Node] = node.value
    return items


def scalar_text(node: Node, problems: Problems, what: str) -> str | None:
    """A non-empty plain value."""
    if not isinstance(node, ScalarNode) or is_null(node) or not str(node.value).strip():
        problems.add(node, f"应为非空文本 / {what} must be a non-empty value")
        return None
    return str(node.value).strip()


def scalar_date(node: Node, problems: Problems, what: str) -> date | None:
    """A date written YYYY-MM-DD (quoted or not)."""
    text = scalar_text(node, problems, what)
    if text is None:
        return None
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        problems.add(node, f"日期无效 / bad date {text!r} for {what} (expected YYYY-MM-DD)")
        return None
