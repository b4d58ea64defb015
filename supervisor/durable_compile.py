"""Rule sets to durable-rules JSON and facts to durable messages: the adapter's durable-free half.

`supervisor/engine.py` registers what `compile_ruleset` gives with durable and sends each fact
through `encode_fact`; nothing here imports durable, so the compiler and the model of durable's
limits can be read and tested alone. Semantics are those of `supervisor/evaluator.py`, kept exact
despite durable's quirks (measured on 2.0.28; limits from its C source):

- it compares across types (true == 1, "100" > 50): a field is sent under one key per kind it
  is compared as (`overdue__n` number, `item__s` text, `running__b` bool, `item__p` presence,
  `missing_materials__ls` the text items of a list); a value of another kind is just absent.
- `{"$gt": {"a": {"$m": "b"}}}` holds when b is missing: guarded by `{"$ex": {"b": 1}}`.
- a number in exponent form is a parse error (204): numbers must be 0 or 1e-4 <= |x| <= 2**53
  (integral floats go as ints); a string of 64 KiB or more compares wrongly. Else EngineError.
- `$or` fires once per matching branch (results are a set); an empty `$and` hangs
  `set_rulesets` (constant groups are folded away first).
- the matching stack holds 64 nodes (error 303 when more sibling tests match one fact), a
  node's child table 512 (full: `set_rulesets` loops forever holding the GIL), 128 absence
  tests, 256 rule ends: `_Network` models the network and rules are split over as many durable
  rule sets ("shards") as needed to stay well inside.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Mapping
from typing import Any

from supervisor.evaluator import ORDER_OPS, ConditionError, check_ruleset, kind_of
from supervisor.rulebook.compiled import AllOf, Compare, Condition, RuleSet

MAX_RULES = 400
MAX_STACK = 56  # durable's matching stack: 64 (events.c MAX_STACK_SIZE)
MAX_LINKS = {"hashed": 400, "absence": 120, "ends": 200}  # durable: 512 / 128 / 256
MAX_KEYS = 240  # properties in one message: 255 (error 302)
SAFE_INT = 2**53
MAX_TEXT = 65535  # bytes of one JSON string: durable keeps its length in 16 bits
CATCH_ALL = "catch_all"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}\Z")
_RESERVED = ("t", "sid", "id", "snapshot_id", "$forward", "$i", "$s")
_CODE = {"bool": "b", "number": "n", "str": "s", "list": "l"}
_TYPE_CODES = {bool: "b", int: "n", float: "n", str: "s", list: "l", tuple: "l"}
_OPS = {"ne": "$neq", "not_in": "$neq", "lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}
Json = dict[str, Any]


class EngineError(Exception):
    """durable-rules failed, or refused a rule set; `stage` is "load" or "evaluate".

    Defined here so that the compiler can raise it without importing durable; code imports it
    from `supervisor.engine`.
    """

    def __init__(self, message: str, stage: str = "evaluate") -> None:
        super().__init__(message)
        self.stage = stage


def _code(value: Any) -> str | None:
    """The key suffix of a value's kind: n(umber), s(tr), b(ool), l(ist); None for others."""
    return _TYPE_CODES.get(type(value)) or _CODE.get(str(kind_of(value)))


def _scalar(value: Any, where: str) -> Any:
    """`value` as durable must read it; EngineError for a number or text it cannot."""
    kind = type(value)
    if kind is int and -SAFE_INT <= value <= SAFE_INT or kind is bool:
        return value  # the common cases first
    code = _code(value)
    if code == "s" and (len(value) < 8192 or len(json.dumps(value).encode()) < MAX_TEXT):
        return value  # durable gets at most 6 bytes a character; the ASCII form bounds it
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if code == "n" and isinstance(value, int) and abs(value) <= SAFE_INT:
        return value
    if isinstance(value, float) and math.isfinite(value) and 1e-4 <= abs(value) <= SAFE_INT:
        return value
    raise EngineError(f"{where}: durable-rules cannot read the value {str(value)[:40]!r}")


def _join(op: str, parts: list[Json | bool]) -> Json | bool:
    """`$and` / `$or` of compiled parts, constants folded, duplicates dropped, never empty."""
    absorbing = op == "$or"  # True absorbs an $or, False an $and
    terms: dict[str, Json] = {}
    for part in parts:
        if isinstance(part, bool):
            if part is absorbing:
                return absorbing
            continue
        for term in part[op] if list(part) == [op] else [part]:
            terms.setdefault(json.dumps(term, sort_keys=True), term)
    if not terms:
        return not absorbing
    return next(iter(terms.values())) if len(terms) == 1 else {op: list(terms.values())}


class _Compiler:
    """Conditions to durable JSON; `needs` collects the keys each fact field is sent under."""

    def __init__(self) -> None:
        self.needs: dict[str, set[str]] = {}

    def key(self, name: str, code: str) -> str:
        if not _NAME.match(name):
            raise EngineError(f"field name {name!r} is not a plain identifier", "load")
        self.needs.setdefault(name, set()).add(code)
        return f"{name}__{code}"

    def condition(self, c: Condition) -> Json | bool:
        if isinstance(c, Compare):
            return self.compare(c)
        return _join(
            "$and" if isinstance(c, AllOf) else "$or", [self.condition(p) for p in c.parts]
        )

    def compare(self, c: Compare) -> Json | bool:
        if c.op in ("exists", "missing") or (c.op == "not_in" and not c.value):
            return {"$nex" if c.op == "missing" else "$ex": {self.key(c.field, "p"): 1}}
        if c.other is not None:
            return self.other(c)
        if c.op in ("in", "not_in"):
            atoms: list[Json | bool] = [self.atom(c, literal) for literal in c.value]
            return _join("$or" if c.op == "in" else "$and", atoms)
        if c.op == "contains":
            key = self.key(c.field, f"l{_code(c.value)}")
            return {"$iany": {key: {"$i": _scalar(c.value, c.field)}}}
        return self.atom(c, c.value)

    def atom(self, c: Compare, literal: Any) -> Json:
        key = self.key(c.field, str(_code(literal)))
        value = _scalar(literal, c.field)
        return {key: value} if c.op in ("eq", "in") else {_OPS[c.op]: {key: value}}

    def other(self, c: Compare) -> Json:
        """Field against field: numbers for orderings; for eq / ne one tagged text per value."""
        code = "n" if c.op in ORDER_OPS else "e"
        mine, theirs = self.key(c.field, code), self.key(str(c.other), code)
        test = {mine: {"$m": theirs}} if c.op == "eq" else {_OPS[c.op]: {mine: {"$m": theirs}}}
        same_kind = {self.key(c.field, "k"): {"$m": self.key(str(c.other), "k")}}
        return {"$and": [{"$ex": {theirs: 1}}, *([same_kind] if c.op == "ne" else []), test]}


@dataclasses.dataclass(frozen=True)
class FieldPlan:
    """How one fact field goes into a message: the key for each code the rules compare."""

    name: str
    presence: str | None  # p: 1 when present
    scalar: dict[str, str]  # n / s / b: the value, by its kind
    items: dict[str, str]  # ln / ls / lb: the list items of each kind
    tagged: str | None  # e: "kind:value", equal exactly when eq holds
    kind: str | None  # k: the kind


def _tag(code: str, value: Any, where: str) -> str:
    text = value if code == "s" else repr(_scalar(value, where))
    return str(_scalar(f"{code}:{text}", where))


def _fnv1a32(name: str) -> int:
    """durable tells message properties apart by this hash of their name alone (json.c)."""
    h = 0x811C9DC5
    for byte in name.encode():
        h = ((h ^ byte) * 16777619) & 0xFFFFFFFF
    return h


def _plan(needs: dict[str, set[str]]) -> tuple[FieldPlan, ...]:
    keys = [*_RESERVED, *(f"{name}__{code}" for name, codes in needs.items() for code in codes)]
    if len(keys) > MAX_KEYS:
        raise EngineError(f"{len(keys)} message properties: more than {MAX_KEYS}", "load")
    if len({_fnv1a32(key) for key in keys}) != len(keys):
        raise EngineError("two message property names share a durable hash", "load")
    return tuple(_field_plan(name, codes) for name, codes in sorted(needs.items()))


def _field_plan(name: str, codes: set[str]) -> FieldPlan:
    keys = {code: f"{name}__{code}" for code in codes}
    return FieldPlan(
        name,
        keys.get("p"),
        {c: keys[c] for c in codes & {"n", "s", "b"}},
        {c[1]: keys[c] for c in codes & {"ln", "ls", "lb"}},
        keys.get("e"),
        keys.get("k"),
    )


def encode_fact(plan: tuple[FieldPlan, ...], fact: Mapping[str, Any], message: Json) -> Json:
    for fp in plan:
        value = fact.get(fp.name)
        if value is None:
            continue
        if fp.presence is not None:
            message[fp.presence] = 1
        code = _code(value)
        if code == "l":
            for item_code, key in fp.items.items():
                found = [_scalar(item, fp.name) for item in value if _code(item) == item_code]
                if found:
                    message[key] = found
        elif code is not None:
            if code in fp.scalar:
                message[fp.scalar[code]] = _scalar(value, fp.name)
            if fp.tagged is not None:
                message[fp.tagged] = _tag(code, value, fp.name)
            if fp.kind is not None:
                message[fp.kind] = code
    return message


@dataclasses.dataclass(eq=False)
class _Node:
    shared: dict[str, _Node] = dataclasses.field(default_factory=dict)  # atom children by test
    kids: list[_Node] = dataclasses.field(default_factory=list)
    eq_props: set[str] = dataclasses.field(default_factory=set)  # of equality children
    others: int = 0  # children that may match together with any other
    hashed: int = 0  # children in durable's child table
    absence: int = 0  # absence tests and `$or` forward links
    ends: int = 0  # rules whose condition ends here


class _Network:
    """durable's alpha network for one shard, modelled to stay inside its fixed limits.

    As in rete.c: an atom is a node shared per (parent, property, operator, value); `$and`
    chains its parts; `$or` builds each branch from the same parent and links its end to a new
    forward node; `$iany` makes an unshared node. Matching (events.c handleAlpha) is a
    depth-first walk pushing every child that matches; at most one equality per property does.
    """

    def __init__(self) -> None:
        self.root = _Node()
        self.nodes = [self.root]
        self.add_rule({"t": "snapshot"})  # the catch-all

    def add(self, parent: _Node, expr: Json) -> _Node:
        ((op, body),) = expr.items()
        if op == "$and":
            for part in body:
                parent = self.add(parent, part)
            return parent
        if op == "$or":
            forward = _Node()
            self.nodes.append(forward)
            for part in body:
                end = self.add(parent, part)
                end.kids.append(forward)
                end.absence, end.others = end.absence + 1, end.others + 1
            return forward
        prop, value = next(iter(body.items())) if op.startswith("$") else (op, body)
        key = json.dumps([prop, op, value], sort_keys=True)
        if op != "$iany" and key in parent.shared:
            return parent.shared[key]
        node = _Node(others=op == "$iany")  # rete.c links the root under a mid-chain $iany
        self.nodes.append(node)
        parent.kids.append(node)
        parent.absence += op == "$nex"
        parent.hashed += op != "$nex"
        if op != "$iany":
            parent.shared[key] = node
        if op.startswith("$") or isinstance(value, dict):
            parent.others += 1
        else:
            parent.eq_props.add(prop)
        return node

    def add_rule(self, match: Json) -> None:
        self.add(self.root, match).ends += 1

    def height(self) -> int:
        """A bound on the matching stack: per node, children pushed at once, down any path."""
        memo: dict[int, int] = {}

        def walk(node: _Node) -> int:
            if id(node) not in memo:
                width = len(node.eq_props) + node.others
                deepest = max((walk(kid) for kid in node.kids), default=0)
                memo[id(node)] = max(width, width - 1 + deepest) if width else 0
            return memo[id(node)]

        return walk(self.root)

    def fault(self) -> str | None:
        """What would break durable, or None."""
        for attr, limit in MAX_LINKS.items():
            if max(getattr(node, attr) for node in self.nodes) > limit:
                return f"more than {limit} {attr} links on one node"
        height = self.height()
        return (
            f"{height} tests may match at once (limit {MAX_STACK})" if height > MAX_STACK else None
        )


def _shards(matches: list[tuple[int, Json]], ids: list[str]) -> list[list[tuple[int, Json]]]:
    """Rules in order, split wherever the next rule would take a shard past durable's limits."""
    shards: list[list[tuple[int, Json]]] = [[]]
    network = _Network()
    for index, match in matches:
        network.add_rule(match)
        if network.fault() is not None:
            network = _Network()
            network.add_rule(match)
            if (fault := network.fault()) is not None:
                raise EngineError(f"rule {ids[index]} is too large for durable: {fault}", "load")
            shards.append([])
        shards[-1].append((index, match))
    return [shard for shard in shards if shard] or [[]]


def compile_ruleset(ruleset: RuleSet) -> tuple[list[Json], tuple[FieldPlan, ...]]:
    """The durable JSON of each shard, and the message plan; EngineError when refused."""
    if len(ruleset.rules) > MAX_RULES:
        raise EngineError(f"{len(ruleset.rules)} rules: more than {MAX_RULES}", "load")
    try:
        check_ruleset(ruleset)
    except ConditionError as exc:
        raise EngineError(str(exc), "load") from exc
    compiler, tag = _Compiler(), {"t": "snapshot"}
    matches: list[tuple[int, Json]] = []
    for index, rule in enumerate(ruleset.rules):
        try:
            cond = compiler.condition(rule.condition)
        except EngineError as exc:
            raise EngineError(f"rule {rule.id}: {exc}", "load") from exc
        if isinstance(cond, dict):
            matches.append((index, {"$and": [tag, *cond.get("$and", [cond])]}))
        elif cond:
            matches.append((index, tag))
    plan = _plan(compiler.needs)
    catch_all = {CATCH_ALL: {"all": [{"m": tag}], "run": CATCH_ALL}}
    definitions = [
        {**{f"r{i}": {"all": [{"m": m}], "run": f"r{i}"} for i, m in shard}, **catch_all}
        for shard in _shards(matches, [rule.id for rule in ruleset.rules])
    ]
    return definitions, plan
