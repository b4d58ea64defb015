"""The approval catalogue: load and check rules/items.yaml, timeliness.yaml and fees.yaml.

`load_catalogue` reads the three files, reports every problem it finds at once (`ConfigError`,
each message "file:line:column: 中文 / English"), and returns an immutable `Catalogue`. Its
`version` changes whenever a file's bytes change, so records can name the rules they were made
under. Of timeliness.yaml it reads `clock:` only, of fees.yaml `fees:` only (the fee standards);
their other sections are the rulebook's (supervisor/rulebook).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from pydantic import BaseModel

from approval_core.catalogue.fees import (
    FEES_FILE,
    Fee,
    FeeCharge,
    FeesFile,
    fee_reference_problems,
    public_fee,
)
from approval_core.catalogue.forms import FormFile, read_forms
from approval_core.catalogue.remedies import remedy_en, remedy_zh
from approval_core.catalogue.schemas import (
    Category,
    ClockSettings,
    Department,
    Issuer,
    Item,
    ItemsFile,
    StopType,
    TimelinessClock,
)
from approval_core.clock.schemas import ClockPolicy
from approval_core.clock.units import UNIT_TEXT_EN, UNIT_TEXT_ZH
from approval_core.errors import ConfigError, NotFound
from approval_core.yamlsource import (
    Problem,
    YamlDocument,
    check,
    load_yaml,
    sort_messages,
    suggest,
)

ITEMS_FILE = "items.yaml"
TIMELINESS_FILE = "timeliness.yaml"

ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True)
class Catalogue:
    """The loaded catalogue. Mappings keep the order of the files and are read-only."""

    items: Mapping[str, Item]
    issuer: Issuer
    categories: Mapping[str, Category]
    departments: Mapping[str, Department]
    stop_types: Mapping[str, StopType]
    clock: ClockSettings
    fees: Mapping[str, Fee]  # item code -> fee standard (rules/fees.yaml)
    version: str  # sha256 prefix of the three files' bytes and of `forms` (path -> blank form)
    forms: Mapping[str, FormFile] = dataclasses.field(default_factory=lambda: MappingProxyType({}))
    # item code -> ClockPolicy: the catalogue never changes once loaded (a sweep asks per case)
    _policies: dict[str, ClockPolicy] = dataclasses.field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def get(self, code: str) -> Item:
        """The item `code`, or `NotFound` (field "item")."""
        try:
            return self.items[code]
        except KeyError:
            raise NotFound(
                f"no approval item with code {code!r}",
                detail_zh=f"审批事项 {code} 不存在",
                field="item",
            ) from None

    def fee(self, code: str) -> Fee:
        """The fee standard of item `code`, or `NotFound` (field "item")."""
        return self.fees[self.get(code).code]

    def is_free(self, code: str) -> bool:
        """Whether item `code` is free by law (行政许可法第五十八条); `NotFound` if unknown."""
        return self.fee(code).free

    def fee_standard(self, code: str, fee_code: str) -> FeeCharge | None:
        """The charge `fee_code` of item `code`'s fee standard, None when the standard has no
        such charge (收费目录外); `NotFound` if the item is unknown."""
        return self.fee(code).charge(fee_code)

    def items_in(self, category: str) -> list[Item]:
        return [item for item in self.items.values() if item.category == category]

    def issuing_authority(self, department_code: str) -> tuple[str, str]:
        """The name (zh, en) a department's documents are issued under: the department as a
        legal body, or a unit that issues in its own name (`issuer_zh` of the division)."""
        division = self.departments[department_code]
        if division.issuer_zh and division.issuer_en:
            return division.issuer_zh, division.issuer_en
        return self.issuer.name_zh, self.issuer.name_en

    def decision_number(self, department_code: str, year: int, tracking_no: str) -> str:
        """The 文号 a decision gets when none is given: the issuer's prefix, the year and the
        case's tracking number (unique, and the same on every reproduction)."""
        division = self.departments[department_code]
        prefix = division.decision_prefix if division.issuer_zh else None
        return (
            f"{prefix or self.issuer.decision_prefix}〔{year}〕{tracking_no.removeprefix('SL')}号"
        )

    def remedies(self, item: Item) -> tuple[str, str]:
        """What the applicant may do against a denial or rejection (zh, en): the item's own
        objection first, then reconsideration and litigation, each with its body and time."""
        issuer = self.issuer
        zh = "申请人如不服本决定，"
        en = "If you disagree with this decision, you "
        if item.objection is not None:
            zh += remedy_zh(item.objection, "objection") + "；对异议处理决定仍不服的，"
            en += (
                remedy_en(item.objection, "objection")
                + "; if you disagree with the decision on the objection, you "
            )
        zh += remedy_zh(issuer.reconsideration, "reconsideration")
        zh += "，或者" + remedy_zh(issuer.litigation, "litigation").removeprefix("可以") + "。"
        en += remedy_en(issuer.reconsideration, "reconsideration")
        en += ", or " + remedy_en(issuer.litigation, "litigation") + "."
        return zh, en

    def acceptance_window(self, item: Item) -> int:
        """Art. 32 window of `item`, falling back to clock.default_acceptance_window."""
        if item.acceptance_window is None:
            return self.clock.default_acceptance_window
        return item.acceptance_window

    def max_extension_days(self, item: Item) -> int:
        """Art. 42 extension of `item`, falling back to clock.default_max_extension_days."""
        if item.max_extension_days is None:
            return self.clock.default_max_extension_days
        return item.max_extension_days

    def clock_policy(self, code: str) -> ClockPolicy:
        """What the legal clock needs for item `code`.

        An item that allows no extension days also allows no extension at all (max_extensions 0),
        so that the clock reports an attempted one instead of applying a zero-day extension.
        """
        policy = self._policies.get(code)
        if policy is None:
            policy = self._policies[code] = self._clock_policy(code)
        return policy

    def _clock_policy(self, code: str) -> ClockPolicy:
        item = self.get(code)
        extension_days = self.max_extension_days(item)
        return ClockPolicy(
            limit=item.limit,
            promised_limit=item.promised_limit,
            acceptance_window=self.acceptance_window(item),
            limit_from=item.limit_from,
            max_extension_days=extension_days,
            max_extensions=self.clock.max_extensions if extension_days > 0 else 0,
            clock_stop_types=frozenset(
                code for code, stop in self.stop_types.items() if stop.excludes_time
            ),
            cutoff=self.clock.cutoff,
            step_limits={s.code: s.limit for s in item.flow if s.limit is not None},
            unit=item.limit_unit,
        )

    def public_view(self, code: str) -> dict[str, Any]:
        """The public disclosure of item `code` (事项, 主体, 依据, 材料, 流程, 时限, 收费标准,
        责任部门, 联系方式, 监督电话), JSON-ready."""
        item = self.get(code)
        category = self.categories[item.category]
        department = self.departments[item.department]
        return {
            "code": item.code,
            "name_zh": item.name_zh,
            "name_en": item.name_en,
            "kind": item.kind,
            "category": category.model_dump(mode="json"),
            "authority_zh": item.authority_zh,
            "authority_en": item.authority_en,
            "legal_basis": [b.model_dump(mode="json") for b in item.legal_basis],
            "conditions": [c.model_dump(mode="json") for c in item.conditions],
            "conditions_basis": [b.model_dump(mode="json") for b in item.conditions_basis],
            "materials": [
                {**m.model_dump(mode="json"), "form_sha256": m.form and self.forms[m.form].sha256}
                for m in item.materials
            ],
            "flow": [s.model_dump(mode="json") for s in item.flow],
            "time_limits": {
                "unit": item.limit_unit,
                "unit_zh": UNIT_TEXT_ZH[item.limit_unit],
                "unit_en": UNIT_TEXT_EN[item.limit_unit],
                "unit_basis": [b.model_dump(mode="json") for b in item.limit_unit_basis or ()],
                "statutory": item.limit,
                "promised": item.promised_limit,
                "acceptance_window": self.acceptance_window(item),
                "counted_from": item.limit_from,
                "max_extension_days": self.max_extension_days(item),
                "basis": [b.model_dump(mode="json") for b in item.limit_basis],
            },
            "fee": public_fee(self.fee(code)),
            "department": department.model_dump(mode="json"),
            "contact_phone": item.contact_phone,
            "supervision_phone": item.supervision_phone,
            "catalogue_version": self.version,
        }


def load_catalogue(rules_dir: Path) -> Catalogue:
    """Load and fully check the catalogue in `rules_dir`; `ConfigError` lists every problem."""
    problems: list[str] = []
    items_doc = _read(rules_dir / ITEMS_FILE, problems)
    clock_doc = _read(rules_dir / TIMELINESS_FILE, problems)
    fees_doc = _read(rules_dir / FEES_FILE, problems)
    items_file = _validate(items_doc, ItemsFile, problems)
    clock_file = _validate(clock_doc, TimelinessClock, problems)
    fees_file = _validate(fees_doc, FeesFile, problems)
    forms: dict[str, FormFile] = {}
    if items_doc is not None:
        problems += [items_doc.format(p) for p in _reference_problems(items_doc)]
        forms, missing = read_forms(items_doc, rules_dir)
        problems += [items_doc.format(p) for p in missing]
        if fees_doc is not None:
            codes = [r["code"] for _, r in _entries(items_doc.data, ("items",)) if "code" in r]
            problems += [fees_doc.format(p) for p in fee_reference_problems(fees_doc, codes)]
    if clock_doc is not None:
        stops = _duplicate_codes(clock_doc, ("clock", "clock_stops"))
        problems += [clock_doc.format(p) for p in stops]
    if items_doc is not None and items_file is not None and clock_file is not None:
        problems += [items_doc.format(p) for p in _step_problems(items_file, clock_file.clock)]
    if problems or items_file is None or clock_file is None or fees_file is None:
        raise ConfigError(sort_messages(problems))
    return Catalogue(
        items=_by_code(items_file.items),
        issuer=items_file.issuer,
        categories=_by_code(items_file.categories),
        departments=_by_code(items_file.departments),
        stop_types=_by_code(clock_file.clock.clock_stops),
        clock=clock_file.clock,
        fees=MappingProxyType({entry.item: entry for entry in fees_file.fees}),
        version=_version(rules_dir, sorted(forms)),
        forms=MappingProxyType(forms),
    )


def _read(path: Path, problems: list[str]) -> YamlDocument | None:
    try:
        return load_yaml(path)
    except ConfigError as exc:
        problems.extend(exc.problems)
        return None


def _validate(doc: YamlDocument | None, model: type[ModelT], problems: list[str]) -> ModelT | None:
    if doc is None:
        return None
    result, found = check(doc, model)
    problems.extend(found)
    return result


_CodedT = TypeVar("_CodedT", Item, Category, Department, StopType)


def _by_code(records: list[_CodedT]) -> Mapping[str, _CodedT]:
    return MappingProxyType({record.code: record for record in records})


def _version(rules_dir: Path, forms: list[str]) -> str:
    digest = hashlib.sha256()
    for name in (ITEMS_FILE, TIMELINESS_FILE, FEES_FILE, *forms):
        data = (rules_dir / name).read_bytes()
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()[:16]


# --- checks across records --------------------------------------------------------------------


def _entries(data: Any, path: tuple[str, ...]) -> Iterator[tuple[int, dict[Any, Any]]]:
    """The mapping entries of the list at `path` in raw data, whatever else is wrong with it."""
    records = data
    for key in path:
        records = records.get(key) if isinstance(records, dict) else None
    if isinstance(records, list):
        for index, record in enumerate(records):
            if isinstance(record, dict):
                yield index, record


def _duplicate_codes(doc: YamlDocument, path: tuple[str, ...]) -> list[Problem]:
    """A problem at each repeated `code` of the list at `path`, naming the first one's line.

    Checked on the raw data so that it is reported even when some record is malformed.
    """
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for index, record in _entries(doc.data, path):
        code = record.get("code")
        if not isinstance(code, str):
            continue
        if code in seen:
            line = doc.mark((*path, seen[code], "code")).line
            problems.append(
                Problem(
                    (*path, index, "code"),
                    f"代码 {code} 重复（首次出现在第 {line} 行）",
                    f"duplicate code {code} (first at line {line})",
                )
            )
        else:
            seen[code] = index
    return problems


def _reference_problems(doc: YamlDocument) -> list[Problem]:
    """Duplicate codes and unknown category/department references in rules/items.yaml."""
    problems: list[Problem] = []
    for section in ("categories", "departments", "items"):
        problems += _duplicate_codes(doc, (section,))
    known = {
        section: [r["code"] for _, r in _entries(doc.data, (section,)) if "code" in r]
        for section in ("categories", "departments")
    }
    for index, record in _entries(doc.data, ("items",)):
        for field, section in (("category", "categories"), ("department", "departments")):
            problems += _unknown_reference(index, field, record.get(field), known[section])
    return problems


def _unknown_reference(index: int, field: str, ref: Any, known: list[Any]) -> list[Problem]:
    if not isinstance(ref, str) or ref in known:
        return []
    hint = suggest(ref, [str(code) for code in known])
    zh = f"字段 {field} 引用了不存在的代码 {ref}"
    en = f"field {field} refers to unknown code {ref}"
    if hint:
        zh += f"，是否应为 {hint}？"
        en += f"; did you mean {hint}?"
    return [Problem(("items", index, field), zh, en)]


def _step_problems(items: ItemsFile, clock: ClockSettings) -> list[Problem]:
    """Step limits against the acceptance window and against limit + extension.

    The accept step runs inside the Art. 32 window, before the review clock starts, so it is held
    against that window; when an item has no window (0: the limit runs from receipt) the accept
    step is part of the limit like every other step.
    """
    problems: list[Problem] = []
    for index, item in enumerate(items.items):
        window = clock.default_acceptance_window
        window = window if item.acceptance_window is None else item.acceptance_window
        extension = clock.default_max_extension_days
        extension = extension if item.max_extension_days is None else item.max_extension_days
        counted = 0
        for step_index, step in enumerate(item.flow):
            if step.limit is None:
                continue
            if step.code == "accept" and item.limit_from == "acceptance":
                if step.limit > window:
                    problems.append(_accept_too_long(index, step_index, step.limit, window))
                continue
            counted += step.limit
        if counted > item.limit + extension:
            problems.append(_steps_too_long(index, counted, item.limit, extension))
    return problems


def _accept_too_long(index: int, step_index: int, limit: int, window: int) -> Problem:
    return Problem(
        ("items", index, "flow", step_index, "limit"),
        f"受理环节时限 {limit} 超过受理期限 {window}",
        f"the accept step limit {limit} exceeds the acceptance window {window}",
    )


def _steps_too_long(index: int, counted: int, limit: int, extension: int) -> Problem:
    return Problem(
        ("items", index, "flow"),
        f"各环节时限之和 {counted} 超过法定时限 {limit} 与最长延期 {extension} 之和",
        f"the step limits add up to {counted}, more than the statutory limit {limit} "
        f"plus the maximum extension {extension}",
    )
