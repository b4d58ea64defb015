"""The policy: every file under rules/ loaded, checked and compiled together into one value.

A `Policy` is immutable and has one version, a hash over the content of every file of the
folder (rule tests included: a reload runs them, so they are part of what was accepted). The
catalogue, the fee table, the clock policy, the calendar, the compiled supervision rules, the
notification routing and the verdict cache all come from the same bytes: `build_policy` writes
those bytes to a private folder and loads everything from there, so a file edited while the
policy loads can never mix into it. Nothing here reads rules/ again after it is built; see
docs in README ("For policy staff") for how a policy is put in force.
"""

from __future__ import annotations

import dataclasses
import hashlib
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from approval_core.calendar import WorkCalendar, load_calendar
from approval_core.catalogue.service import Catalogue, load_catalogue
from approval_core.context import CoreDeps
from approval_core.errors import ConfigError
from approval_core.records.mac import DEFAULT_MAC, RecordMac
from approval_core.timeutil import Clock, utcnow
from approval_core.yamlsource import load_yaml, sort_messages, validate
from supervisor.evaluation.schemas import EvaluationRules, check_evaluation
from supervisor.notify.routing import FILE as ROUTING_FILE
from supervisor.notify.routing import Hours, NotificationRules, check_routing
from supervisor.rulebook import check_rulebook, load_rulebook
from supervisor.rulebook.compiled import RuleSet
from supervisor.verdicts import Mode, Verdicts

# Files that are never part of a policy: editor backups, swap files, OS litter.
_IGNORED_SUFFIXES = ("~", ".swp", ".swo", ".tmp", ".bak", ".orig")
_IGNORED_NAMES = frozenset({".DS_Store", "Thumbs.db"})
MAX_FILES = 500
MAX_BYTES = 20 * 1024 * 1024


def _is_policy_file(relative: Path) -> bool:
    if any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
        return False
    return relative.name not in _IGNORED_NAMES and not relative.name.endswith(_IGNORED_SUFFIXES)


def read_files(rules_dir: Path) -> dict[str, bytes]:
    """Every policy file under `rules_dir` (relative POSIX path -> bytes); read twice until two
    readings agree, so a file being saved meanwhile is not caught half-written."""
    if not rules_dir.is_dir():
        raise ConfigError([f"{rules_dir}: 规则目录不存在 / the rules folder does not exist"])
    last: dict[str, bytes] | None = None
    for _ in range(5):
        found = _read_once(rules_dir)
        if found == last:
            return found
        last = found
    raise ConfigError([f"{rules_dir}: 文件在读取期间不断变化 / files kept changing while read"])


def _read_once(rules_dir: Path) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    total = 0
    for path in sorted(rules_dir.rglob("*")):
        relative = path.relative_to(rules_dir)
        if not path.is_file() or not _is_policy_file(relative):
            continue
        data = path.read_bytes()
        total += len(data)
        found[relative.as_posix()] = data
        if len(found) > MAX_FILES or total > MAX_BYTES:
            raise ConfigError(
                [
                    f"{rules_dir}: 规则目录过大（最多 {MAX_FILES} 个文件、{MAX_BYTES} 字节）"
                    f" / the rules folder is too large (at most {MAX_FILES} files, "
                    f"{MAX_BYTES} bytes)"
                ]
            )
    return found


def policy_version(files: Mapping[str, bytes]) -> str:
    """The version of a set of files: a hash over every path and content, in path order."""
    digest = hashlib.sha256()
    for path in sorted(files):
        data = files[path]
        digest.update(f"{path}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()[:16]


def write_files(files: Mapping[str, bytes], folder: Path) -> None:
    """Lay `files` out under `folder` (which exists and is empty)."""
    for path, data in files.items():
        target = folder / path
        if ".." in Path(path).parts or Path(path).is_absolute():
            raise ConfigError([f"{path}: 不允许的文件路径 / path not allowed"])
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


@dataclass(frozen=True, eq=False)
class Policy:
    """Everything rules/ says, as one value; `version` names it wherever it is used."""

    version: str
    files: Mapping[str, bytes]
    catalogue: Catalogue
    calendar: WorkCalendar
    ruleset: RuleSet
    routing: NotificationRules | None
    verdicts: Verdicts
    evaluation: EvaluationRules | None = None  # rules/evaluation.yaml (绩效评估), if any

    @property
    def hours(self) -> Hours | None:
        """When notifications may go out (quiet and working hours on this calendar)."""
        return None if self.routing is None else Hours(self.routing, self.calendar)

    @property
    def thresholds(self) -> Any:
        return self.verdicts.thresholds

    def deps(
        self, record_key: str, now: Clock = utcnow, record_mac: RecordMac = DEFAULT_MAC
    ) -> CoreDeps:
        """What the approval core needs for one unit of work, from this policy only."""
        return CoreDeps(
            self.catalogue,
            self.calendar,
            record_key,
            now,
            policy=self,
            policy_version=self.version,
            record_mac=record_mac,
        )

    def close(self) -> None:
        """Free the engine's copy of the rules (the policy is no longer used by anyone)."""
        self.verdicts.close()


def policy_of(deps: CoreDeps) -> Policy:
    """The policy a CoreDeps was made from (`Policy.deps`)."""
    if not isinstance(deps.policy, Policy):
        raise TypeError("these CoreDeps were not made from a Policy (use Policy.deps)")
    return deps.policy


def build_policy(
    files: Mapping[str, bytes], mode: Mode = "durable", origin: str = "rules"
) -> Policy:
    """Load, check and compile `files` (relative path -> bytes) as one policy.

    All or nothing: `ConfigError` lists every problem of every file ("file:line:column: 中文 /
    English"), each file named under `origin` (the folder the files came from)."""
    version = policy_version(files)
    with tempfile.TemporaryDirectory(prefix="sunlight-policy-") as workdir:
        folder = Path(workdir)
        write_files(files, folder)
        catalogue, calendar, ruleset, routing, evaluation = _load_parts(folder, origin)
    where = f"{folder}/"
    rules = tuple(
        dataclasses.replace(r, source=r.source.replace(where, f"{origin.rstrip('/')}/"))
        for r in ruleset.rules
    )
    ruleset = dataclasses.replace(ruleset, version=version, rules=rules)
    verdicts = Verdicts(ruleset, mode)  # compiles into durable-rules: may raise EngineError
    frozen = MappingProxyType(dict(files))
    return Policy(version, frozen, catalogue, calendar, ruleset, routing, verdicts, evaluation)


def _load_parts(
    folder: Path, origin: str
) -> tuple[Catalogue, WorkCalendar, RuleSet, NotificationRules | None, EvaluationRules | None]:
    problems: list[str] = list(check_rulebook(folder))  # the catalogue's problems included
    evaluation, evaluation_problems = check_evaluation(folder)
    problems += evaluation_problems
    catalogue = ruleset = calendar = None
    if not problems:
        catalogue = load_catalogue(folder)
        ruleset = load_rulebook(folder, catalogue)
    try:
        calendar = load_calendar(folder)
    except ConfigError as exc:
        problems += exc.problems
    routing = None
    if (folder / ROUTING_FILE).exists():
        known = {}  # the codes routes may name (left open while the rules are faulty)
        if catalogue is not None and ruleset is not None:
            known = {
                "rules": [rule.id for rule in ruleset.rules],
                "items": list(catalogue.items),
                "departments": list(catalogue.departments),
            }
        problems += check_routing(folder, known)
        if not problems:
            routing = validate(load_yaml(folder / ROUTING_FILE), NotificationRules)
    if problems or catalogue is None or ruleset is None or calendar is None:
        raise ConfigError(_relative(sort_messages(problems), folder, origin))
    return catalogue, calendar, ruleset, routing, evaluation


def _relative(messages: list[str], folder: Path, origin: str) -> list[str]:
    """Problems name the files where they came from, not the private copy."""
    return [m.replace(f"{folder}/", f"{origin.rstrip('/')}/") for m in messages]


def load_policy(rules_dir: Path, mode: Mode = "durable") -> Policy:
    """The policy in the files of `rules_dir` as they are now; `ConfigError` lists problems."""
    return build_policy(read_files(rules_dir), mode, str(rules_dir))
