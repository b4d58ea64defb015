"""Load the rulebook: read the rule files, check everything, compile them into one `RuleSet`.

All or nothing: `load_rulebook` returns a rule set only when no file has any problem, and
otherwise raises `ConfigError` listing every problem of every file ("file:line:column: 中文 /
English", in file order). `check_rulebook` does the same checks for `sunlight rules check` and
also reports what is wrong with the catalogue. The rule set's version is a hash of the rule
files' bytes, so every alert can name the rules that raised it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from approval_core.catalogue.fees import FEES_FILE
from approval_core.catalogue.service import Catalogue, load_catalogue
from approval_core.errors import ConfigError
from approval_core.yamlsource import Loc, Problem, YamlDocument, check, load_yaml, sort_messages
from supervisor.rulebook.compiled import CompiledRule, Condition, RuleSet
from supervisor.rulebook.conditions import ConditionCompiler, ParamDef, Scope
from supervisor.rulebook.ladder import AXIS_PARAMS, LADDER_LOC, ladder_problems
from supervisor.rulebook.rules import rule_problems
from supervisor.rulebook.schemas import (
    LADDER_PARAMS,
    FeeRules,
    ProcedureRules,
    RuleSpec,
    TimelinessRules,
)

# durable-rules answers error 303 at 512 rules in one ruleset and hangs from 513 on
# (docs/RULES_ENGINE.md); the cap keeps well below and is checked before anything is compiled.
MAX_RULES = 400


@dataclass(frozen=True)
class RuleFile:
    """A file of rules: its name under rules/, its shape, and where its list of rules is."""

    name: str
    model: type[BaseModel]
    section: Loc
    ladder: bool = False  # the rules of this section share the ladder's thresholds


RULE_FILES: tuple[RuleFile, ...] = (
    RuleFile("timeliness.yaml", TimelinessRules, ("supervision", "rules"), ladder=True),
    RuleFile("procedure.yaml", ProcedureRules, ("rules",)),
    RuleFile(FEES_FILE, FeeRules, ("rules",)),
)


@dataclass(frozen=True)
class _Draft:
    """What the checks on the raw data made of one rule."""

    loc: Loc
    id: Any
    condition: Condition | None
    params: dict[str, Any]
    response_days: int | None


@dataclass(frozen=True)
class _Read:
    spec: RuleFile
    doc: YamlDocument
    model: BaseModel | None
    drafts: list[_Draft]


def load_rulebook(rules_dir: Path, catalogue: Catalogue) -> RuleSet:
    """The rules in `rules_dir` checked and compiled; `ConfigError` lists every problem."""
    ruleset, problems = _build(rules_dir, catalogue)
    if ruleset is None:
        raise ConfigError(problems)
    return ruleset


def check_rulebook(rules_dir: Path) -> list[str]:
    """Every problem of the rule files and of the catalogue they rely on; [] when all is well."""
    problems: list[str] = []
    catalogue: Catalogue | None = None
    try:
        catalogue = load_catalogue(rules_dir)
    except ConfigError as exc:
        problems += exc.problems
    _, found = _build(rules_dir, catalogue)
    return sort_messages([*problems, *found])


def _build(rules_dir: Path, catalogue: Catalogue | None) -> tuple[RuleSet | None, list[str]]:
    codes: dict[str, frozenset[str]] = {}
    if catalogue is not None:
        codes = {
            "@items": frozenset(catalogue.items),
            "@departments": frozenset(catalogue.departments),
        }
    messages: list[str] = []
    reads = [r for spec in RULE_FILES if (r := _read(rules_dir, spec, codes, messages))]
    messages += _across_files(reads)
    if messages:
        return None, sort_messages(messages)
    rules = tuple(rule for read in reads for rule in _compiled(read))
    return RuleSet(version=_version(rules_dir), rules=rules), []


def _read(
    rules_dir: Path, spec: RuleFile, codes: Mapping[str, frozenset[str]], messages: list[str]
) -> _Read | None:
    try:
        doc = load_yaml(rules_dir / spec.name)
    except ConfigError as exc:
        messages += exc.problems
        return None
    model, found = check(doc, spec.model)
    messages += found
    problems: list[Problem] = []
    shared: dict[str, ParamDef] = {}
    if spec.ladder:
        ladder = _at(doc.data, LADDER_LOC)
        problems += ladder_problems(ladder)
        if isinstance(ladder, dict):
            shared = {
                k: ParamDef(v, (*LADDER_LOC, k)) for k, v in ladder.items() if k in LADDER_PARAMS
            }
    drafts = []
    for loc, raw in _raw_rules(doc.data, spec.section):
        draft, found_here = _draft(doc, raw, loc, shared, codes, ladder=spec.ladder)
        drafts.append(draft)
        problems += found_here
    messages += [doc.format(p) for p in problems]
    return _Read(spec, doc, model, drafts)


def _draft(
    doc: YamlDocument,
    raw: dict[Any, Any],
    loc: Loc,
    shared: Mapping[str, ParamDef],
    codes: Mapping[str, frozenset[str]],
    *,
    ladder: bool,
) -> tuple[_Draft, list[Problem]]:
    """Check one raw rule's condition, parameters and texts; compile its condition."""
    problems: list[Problem] = []
    params, own = dict(shared), _own_params(raw, loc, shared, problems)
    params.update(own)
    scope = Scope(params, codes, AXIS_PARAMS if ladder else None)
    compiler = ConditionCompiler(doc, scope)
    condition = compiler.compile(raw["when"], (*loc, "when")) if "when" in raw else None
    response_days = rule_problems(compiler, raw, loc)
    problems += compiler.problems
    used = {**{name: p.value for name, p in own.items()}, **scope.used}
    return _Draft(loc, raw.get("id"), condition, used, response_days), problems


def _own_params(
    raw: dict[Any, Any], loc: Loc, shared: Mapping[str, ParamDef], problems: list[Problem]
) -> dict[str, ParamDef]:
    """The rule's own `params:`, each a literal or a list of literals and not a ladder name."""
    found = raw.get("params")
    own: dict[str, ParamDef] = {}
    for name, value in found.items() if isinstance(found, dict) else ():
        where = (*loc, "params", name)
        if name in shared:
            problems.append(
                Problem(
                    where,
                    f"参数 {name} 与 ladder 中的阈值同名；阶梯阈值只能在 ladder 中修改",
                    f"parameter {name} has the name of a ladder threshold; change it in ladder",
                )
            )
        elif not _plain(value):
            problems.append(
                Problem(
                    where,
                    f"参数 {name} 的值须为数字、文本、true/false 或它们的列表",
                    f"parameter {name} must be a number, text, true/false, or a list of them",
                )
            )
        else:
            own[str(name)] = ParamDef(value, where)
    return own


def _plain(value: Any) -> bool:
    scalar = (bool, int, float, str)
    if isinstance(value, list):
        return bool(value) and all(isinstance(v, scalar) for v in value)
    return isinstance(value, scalar)


def _across_files(reads: list[_Read]) -> list[str]:
    """Rule ids used twice (in any files), and rules beyond what one engine rule set holds."""
    messages: list[str] = []
    first: dict[str, tuple[str, int]] = {}
    total = sum(len(read.drafts) for read in reads)
    count = 0
    for read in reads:
        for draft in read.drafts:
            count += 1
            if count == MAX_RULES + 1:
                messages.append(read.doc.format(_too_many(draft.loc, total)))
            if not isinstance(draft.id, str):
                continue
            if draft.id in first:
                source, line = first[draft.id]
                zh = f"规则编号 {draft.id} 重复（首次出现在 {source} 第 {line} 行）"
                en = f"duplicate rule id {draft.id} (first at {source}:{line})"
                messages.append(read.doc.format(Problem((*draft.loc, "id"), zh, en)))
            else:
                first[draft.id] = (read.doc.source, read.doc.mark(draft.loc).line)
    return messages


def _too_many(loc: Loc, total: int) -> Problem:
    return Problem(
        (*loc, "id"),
        f"规则共 {total} 条，超过一个规则集的上限 {MAX_RULES} 条（规则引擎在 512 条时失效），"
        f"自此条起超出",
        f"{total} rules: more than the {MAX_RULES} one rule set may hold (the engine fails at "
        f"512); the excess starts here",
    )


def _compiled(read: _Read) -> Iterator[CompiledRule]:
    specs: Any = read.model
    for part in read.spec.section:
        specs = getattr(specs, str(part))
    for spec, draft in zip(specs, read.drafts, strict=True):
        yield _rule(spec, draft, f"{read.doc.source}:{read.doc.mark(draft.loc).line}")


def _rule(spec: RuleSpec, draft: _Draft, source: str) -> CompiledRule:
    assert draft.condition is not None  # only fault-free rule files are compiled
    return CompiledRule(
        id=spec.id,
        level=spec.level,
        title_zh=spec.title_zh,
        title_en=spec.title_en,
        legal_basis=spec.legal_basis,
        concerns=tuple(spec.concerns),
        condition=draft.condition,
        message_zh=spec.message_zh,
        message_en=spec.message_en,
        cause_field=spec.cause_field,
        auto_resolve=spec.level == "warning",
        response_days=draft.response_days,
        source=source,
        params=draft.params,
    )


def _raw_rules(data: Any, section: Loc) -> Iterator[tuple[Loc, dict[Any, Any]]]:
    rules = _at(data, section)
    if isinstance(rules, list):
        for index, raw in enumerate(rules):
            if isinstance(raw, dict):
                yield (*section, index), raw


def _at(data: Any, path: Loc) -> Any:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _version(rules_dir: Path) -> str:
    digest = hashlib.sha256()
    for spec in RULE_FILES:
        data = (rules_dir / spec.name).read_bytes()
        digest.update(f"{spec.name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()[:16]
