"""Rule conditions (`when:`) checked against the typed fact fields and compiled in one pass.

A condition is `all: [...]`, `any: [...]` (nested freely) or one comparison
`{field: NAME, OP: VALUE}`. VALUE is a literal, a list of literals (`in` / `not_in`),
`{field: OTHER}` (compare two fields of the fact) or `{param: NAME}` (a threshold defined in
`params:`, or in `ladder:` for the timeliness ladder). There is no `not`: `ne`, `not_in` and
`missing` say the same plainly. Every fault is collected as a `Problem` pointing at the key or
value at fault; the compiled tree is returned only for a fault-free condition.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast, get_args

from approval_core.yamlsource import Loc, Problem, YamlDocument, suggest
from supervisor.fields import BY_NAME, FactField
from supervisor.rulebook.compiled import AllOf, AnyOf, Compare, Condition, Op
from supervisor.rulebook.values import (
    OPS_FOR_TYPE,
    ORDER_OPS,
    TYPE_WORDS,
    choice_fault,
    range_fault,
    type_fault,
)

OPS: tuple[str, ...] = get_args(Op)
# Spellings people bring from other tools; difflib finds the rest.
_ALIASES = {
    "neq": "ne",
    "le": "lte",
    "ge": "gte",
    "nin": "not_in",
    "notin": "not_in",
    "==": "eq",
    "!=": "ne",
    "<": "lt",
    "<=": "lte",
    ">": "gt",
    ">=": "gte",
    "exist": "exists",
    "has": "contains",
}
_NO_NOT = (
    "不支持 not：请改用 ne、not_in 或 missing",
    "not is not supported: use ne, not_in or missing",
)
_BAD = object()  # marks a value that failed its check


@dataclass(frozen=True)
class ParamDef:
    """A parameter in reach of a rule and where it is defined (faults in its value point there)."""

    value: Any
    loc: Loc


@dataclass
class Scope:
    """What the condition of one rule may refer to, and what it did refer to."""

    params: Mapping[str, ParamDef]
    # Known values for "@items" / "@departments"; a name absent here is not checked (no catalogue).
    codes: Mapping[str, frozenset[str]]
    # In the ladder section: remaining / overdue may only be compared with these parameters or 0,
    # so that the ladder check sees every threshold.
    axis_params: tuple[str, ...] | None = None
    used: dict[str, Any] = field(default_factory=dict)


class ConditionCompiler:
    """Checks and compiles conditions of one document; faults accumulate in `problems`."""

    def __init__(self, doc: YamlDocument, scope: Scope) -> None:
        self.doc = doc
        self.scope = scope
        self.problems: list[Problem] = []

    def compile(self, node: Any, loc: Loc) -> Condition | None:
        if not isinstance(node, dict) or not node:
            self.value_fault(
                loc,
                "条件须为映射：all:、any: 或 {field: 字段, 运算符: 值}",
                "a condition must be a mapping: all:, any: or {field: name, op: value}",
            )
            return None
        if "all" in node or "any" in node:
            return self._group(node, loc)
        if "field" in node or any(key in OPS for key in node):
            return self._compare(node, loc)
        for key in node:
            self._unknown_key(loc, key, ("all", "any", "field"))
        return None

    # --- all / any ----------------------------------------------------------------------------
    def _group(self, node: dict[Any, Any], loc: Loc) -> Condition | None:
        kind = "all" if "all" in node else "any"
        for key in node:
            if key in ("all", "any") and key != kind:
                self.key_fault(
                    (*loc, key),
                    "all 与 any 不能写在同一层，请把其中一个嵌套在另一个之下",
                    "all and any cannot share one level: nest one inside the other",
                )
            elif key != kind:
                self.key_fault(
                    (*loc, key),
                    f"{kind}: 不能与 {key} 写在同一层",
                    f"{kind}: cannot share its level with {key}",
                )
        parts = node[kind]
        if not isinstance(parts, list) or not parts:
            self.key_fault(
                (*loc, kind), f"{kind}: 后须为非空列表", f"{kind}: needs a non-empty list"
            )
            return None
        compiled = [self.compile(part, (*loc, kind, i)) for i, part in enumerate(parts)]
        if len(node) > 1 or any(c is None for c in compiled):
            return None
        found = tuple(c for c in compiled if c is not None)
        return AllOf(found) if kind == "all" else AnyOf(found)

    # --- comparisons --------------------------------------------------------------------------
    def _compare(self, node: dict[Any, Any], loc: Loc) -> Compare | None:
        ops = [key for key in node if key in OPS]
        unknown = [key for key in node if key != "field" and key not in OPS]
        for key in unknown:
            self._unknown_op(loc, key)
        fact = self._field(node, loc)
        if not ops and not unknown:
            self.value_fault(
                loc,
                "比较缺少运算符（如 eq、lte、in、exists）",
                "the comparison has no operator (like eq, lte, in, exists)",
            )
        for extra in ops[1:]:
            self.key_fault(
                (*loc, extra),
                f"一个比较只能有一个运算符（已有 {ops[0]}）；多个条件请并列写在 all: 之下",
                f"one comparison takes one operator ({ops[0]} is there); list several under all:",
            )
        if fact is None or len(ops) != 1 or unknown:
            return None
        op = ops[0]
        if op not in OPS_FOR_TYPE[fact.type]:
            allowed = ", ".join(OPS_FOR_TYPE[fact.type])
            zh, en = TYPE_WORDS[fact.type]
            self.key_fault(
                (*loc, op),
                f"运算符 {op} 不适用于{zh}字段 {fact.name}（可用：{allowed}）",
                f"operator {op} does not apply to field {fact.name}, which is {en} "
                f"(allowed: {allowed})",
            )
            return None
        return self._operand(fact, op, node[op], (*loc, op))

    def _field(self, node: dict[Any, Any], loc: Loc) -> FactField | None:
        if "field" not in node:
            self.value_fault(
                loc, "比较须写明 field（事实字段）", "a comparison needs field (a fact field)"
            )
            return None
        return self.known_field(node["field"], (*loc, "field"))

    def known_field(self, name: Any, loc: Loc) -> FactField | None:
        if isinstance(name, str) and name in BY_NAME:
            return BY_NAME[name]
        hint = suggest(name, BY_NAME) if isinstance(name, str) else None
        zh, en = f"未知事实字段 {name}", f"unknown fact field {name}"
        if hint:
            zh, en = f"{zh}，是否应为 {hint}？", f"{en}; did you mean {hint}?"
        else:
            zh += "（可用字段见 supervisor/fields.py）"
            en += " (the fields are listed in supervisor/fields.py)"
        self.value_fault(loc, zh, en)
        return None

    def _operand(self, fact: FactField, op: str, raw: Any, loc: Loc) -> Compare | None:
        if op in ("exists", "missing"):
            if not isinstance(raw, bool):
                self.value_fault(loc, f"{op} 的值须为 true 或 false", f"{op} takes true or false")
                return None
            flipped = {"exists": "missing", "missing": "exists"}
            return Compare(fact.name, cast(Op, op if raw else flipped[op]))
        if isinstance(raw, dict) and set(raw) == {"field"}:
            return self._other(fact, op, raw["field"], loc)
        value = self._value(fact, op, raw, loc)
        if value is _BAD:
            return None
        return Compare(fact.name, cast(Op, op), value)

    def _other(self, fact: FactField, op: str, name: Any, loc: Loc) -> Compare | None:
        other = self.known_field(name, (*loc, "field"))
        if other is None:
            return None
        numeric = {"int", "number"}
        same = fact.type == other.type or {fact.type, other.type} <= numeric
        if op not in ORDER_OPS or not same:
            self.value_fault(
                loc,
                f"字段 {fact.name}（{TYPE_WORDS[fact.type][0]}）不能用 {op} 与字段 "
                f"{other.name}（{TYPE_WORDS[other.type][0]}）比较",
                f"field {fact.name} ({TYPE_WORDS[fact.type][1]}) cannot be compared by {op} "
                f"with field {other.name} ({TYPE_WORDS[other.type][1]})",
            )
            return None
        self._axis_guard(fact, None, loc)
        return Compare(fact.name, cast(Op, op), other=other.name)

    def _value(self, fact: FactField, op: str, raw: Any, loc: Loc) -> Any:
        """The literal (or parameter value) checked for `fact` and `op`, or _BAD."""
        param: str | None = None
        where, prefix = loc, ("", "")
        if isinstance(raw, dict):
            found = self.resolve_param(raw, loc)
            if found is None:
                return _BAD
            param, definition = found
            raw, where = definition.value, definition.loc
            prefix = (f"参数 {param}：", f"parameter {param}: ")
        if op in ("in", "not_in"):
            value = self._list(fact, raw, where, prefix)
        else:
            value = self._scalar(fact, raw, where, prefix)
        if value is not _BAD:
            self._axis_guard(fact, param if param is not None else raw, loc)
        return value

    def resolve_param(self, raw: dict[Any, Any], loc: Loc) -> tuple[str, ParamDef] | None:
        if set(raw) != {"param"} or not isinstance(raw["param"], str):
            self.value_fault(
                loc,
                "值须为字面量、{field: 字段} 或 {param: 参数}",
                "a value must be a literal, {field: name} or {param: name}",
            )
            return None
        name = raw["param"]
        if name not in self.scope.params:
            known = list(self.scope.params)
            hint = suggest(name, known)
            zh, en = f"未知参数 {name}", f"unknown parameter {name}"
            if hint:
                zh, en = f"{zh}，是否应为 {hint}？", f"{en}; did you mean {hint}?"
            elif known:
                listed = ", ".join(known)
                zh, en = f"{zh}（可用参数：{listed}）", f"{en} (known: {listed})"
            else:
                zh += "（请先在本规则的 params: 中定义）"
                en += " (define it under params: of this rule first)"
            self.value_fault((*loc, "param"), zh, en)
            return None
        definition = self.scope.params[name]
        self.scope.used[name] = definition.value
        return name, definition

    def _list(self, fact: FactField, raw: Any, loc: Loc, prefix: tuple[str, str]) -> Any:
        if not isinstance(raw, list) or not raw:
            self.value_fault(
                loc,
                f"{prefix[0]}in / not_in 的值须为非空列表，如 [a, b]",
                f"{prefix[1]}in / not_in take a non-empty list, like [a, b]",
            )
            return _BAD
        values = [self._scalar(fact, v, (*loc, i), prefix) for i, v in enumerate(raw)]
        return _BAD if any(v is _BAD for v in values) else values

    def _scalar(self, fact: FactField, value: Any, loc: Loc, prefix: tuple[str, str]) -> Any:
        fault = type_fault(fact, value) or range_fault(fact, value)
        fault = fault or choice_fault(fact, value, self.scope.codes)
        if fault is None:
            return value
        self.value_fault(loc, prefix[0] + fault[0], prefix[1] + fault[1])
        return _BAD

    def _axis_guard(self, fact: FactField, value: Any, loc: Loc) -> None:
        axis = self.scope.axis_params
        if axis is None or fact.name not in ("remaining", "overdue"):
            return
        if (isinstance(value, str) and value in axis) or (type(value) is int and value == 0):
            return
        names = ", ".join(axis)
        self.value_fault(
            loc,
            f"时效阶梯中 {fact.name} 的阈值须写成 ladder 中的参数（{names}）或 0，"
            "以便检查预警、黄牌、红牌之间的空档与重叠",
            f"in the ladder, thresholds on {fact.name} must be ladder parameters ({names}) "
            "or 0, so that gaps and overlaps between warning, yellow and red can be checked",
        )

    # --- reporting ----------------------------------------------------------------------------
    def _unknown_op(self, loc: Loc, key: Any) -> None:
        if key == "not":
            self.key_fault((*loc, key), *_NO_NOT)
            return
        self._unknown_key(loc, key, OPS, kind=("运算符", "operator"))

    def _unknown_key(
        self,
        loc: Loc,
        key: Any,
        allowed: tuple[str, ...],
        kind: tuple[str, str] = ("条件键", "condition key"),
    ) -> None:
        if key == "not":
            self.key_fault((*loc, key), *_NO_NOT)
            return
        text = str(key)
        hint = _ALIASES.get(text) or suggest(text, allowed)
        zh, en = f"未知{kind[0]} {text}", f"unknown {kind[1]} {text}"
        if hint:
            zh, en = f"{zh}，是否应为 {hint}？", f"{en}; did you mean {hint}?"
        else:
            zh, en = f"{zh}（可用：{', '.join(allowed)}）", f"{en} (allowed: {', '.join(allowed)})"
        self.key_fault((*loc, key), zh, en)

    def key_fault(self, loc: Loc, zh: str, en: str) -> None:
        self.problems.append(Problem(loc, zh, en))

    def value_fault(self, loc: Loc, zh: str, en: str) -> None:
        self.problems.append(Problem(loc, zh, en, at=self.doc.value_marks.get(tuple(loc))))
