"""The fee standards of rules/fees.yaml (收费标准): their shape, and checks against the items.

rules/fees.yaml is the one source of every item's fee standard: the catalogue discloses it
(`Catalogue.public_view`) and the fact builder asks it whether a charge is lawful
(`Catalogue.is_free`, `Catalogue.fee_standard`). The file's `rules:` section holds the fee anomaly
rules; it belongs to the rulebook (supervisor/rulebook), so the root model here ignores it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from approval_core.catalogue.schemas import (
    Code,
    LegalBasis,
    MaterialCode,
    RuleModel,
    Text,
    duplicates,
)
from approval_core.yamlsource import Problem, RuleViolation, YamlDocument, suggest

FEES_FILE = "fees.yaml"


class FeeCharge(RuleModel):
    """One fee an item may lawfully charge: a fixed amount, or an amount per unit (每件、每份)."""

    code: MaterialCode
    name_zh: Text
    name_en: Text
    kind: Literal["fixed", "per_unit"] = "fixed"
    amount_yuan: Decimal = Field(strict=False)  # per unit when kind is per_unit
    unit_zh: Text | None = None  # the unit of a per_unit fee, e.g. 份
    unit_en: Text | None = None
    basis: Annotated[list[LegalBasis], Field(min_length=1)]

    def standard(self, units: int = 1) -> Decimal:
        """The lawful amount for `units` units; a fixed fee is the same whatever `units` is."""
        return self.amount_yuan * units if self.kind == "per_unit" else self.amount_yuan

    @field_validator("amount_yuan")
    @classmethod
    def _positive(cls, amount: Decimal) -> Decimal:
        # Said here: the generic wording for gt=0 ("a positive integer") misleads for money.
        if amount <= 0:
            raise RuleViolation.one(
                (), "金额 {field} 必须大于 0（元）", "the amount {field} must be above 0 (yuan)"
            )
        return amount

    @model_validator(mode="after")
    def _unit_matches_kind(self) -> Self:
        has_unit = self.unit_zh is not None and self.unit_en is not None
        if self.kind == "per_unit" and not has_unit:
            raise RuleViolation.one(
                ("kind",),
                "按件计收的收费项目须写明计费单位 unit_zh 和 unit_en",
                "a per_unit fee must name its unit in unit_zh and unit_en",
            )
        if self.kind == "fixed" and (self.unit_zh is not None or self.unit_en is not None):
            raise RuleViolation.one(
                ("kind",),
                "固定金额的收费项目不能写计费单位（按件计收请写 kind: per_unit）",
                "a fixed fee has no unit (write kind: per_unit for a fee per unit)",
            )
        return self


class Fee(RuleModel):
    """The fee standard of one item: free (no charges) or its charges, with the basis either way."""

    free: bool
    basis: Annotated[list[LegalBasis], Field(min_length=1)]
    charges: list[FeeCharge] = []
    note_zh: Text | None = None
    note_en: Text | None = None

    @model_validator(mode="after")
    def _charges_match_free(self) -> Self:
        if self.free and self.charges:
            raise RuleViolation.one(
                ("charges",), "不收费事项不能列出收费项目", "a free item cannot list charges"
            )
        if not self.free and not self.charges:
            raise RuleViolation.one(
                ("charges",), "收费事项必须列出收费项目", "a charged item must list its charges"
            )
        repeated = duplicates("charges", [c.code for c in self.charges])
        if repeated:
            raise RuleViolation(repeated)
        return self

    def charge(self, fee_code: str) -> FeeCharge | None:
        return next((c for c in self.charges if c.code == fee_code), None)


class ItemFee(Fee):
    """An entry of rules/fees.yaml: the fee standard of the catalogue item `item`."""

    item: Code


class FeesFile(BaseModel):
    """rules/fees.yaml as far as the catalogue reads it: the `fees:` section."""

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)

    fees: Annotated[list[ItemFee], Field(min_length=1)]


def public_fee(fee: Fee) -> dict[str, Any]:
    """The fee standard as disclosed to the public (JSON-ready, without the item code)."""
    return fee.model_dump(mode="json", exclude={"item"})


def fee_reference_problems(doc: YamlDocument, item_codes: Sequence[str]) -> list[Problem]:
    """Entries naming unknown items, items named twice, and items with no entry at all."""
    problems: list[Problem] = []
    first: dict[str, int] = {}
    for index, code in _item_refs(doc.data):
        loc = ("fees", index, "item")
        if code not in item_codes:
            problems.append(_unknown_item(loc, code, item_codes))
        elif code in first:
            line = doc.mark(("fees", first[code], "item")).line
            zh = f"事项 {code} 的收费标准重复（首次出现在第 {line} 行）"
            en = f"duplicate fee entry for {code} (first at line {line})"
            problems.append(Problem(loc, zh, en))
        else:
            first[code] = index
    if isinstance(doc.data, dict) and isinstance(doc.data.get("fees"), list):
        for code in item_codes:
            if code not in first:
                zh = f"事项 {code} 没有收费标准（不收费也须写明 free: true 及依据）"
                en = f"item {code} has no fee entry (a free item needs free: true and its basis)"
                problems.append(Problem(("fees",), zh, en))
    return problems


def _item_refs(data: Any) -> Iterator[tuple[int, str]]:
    entries = data.get("fees") if isinstance(data, dict) else None
    if isinstance(entries, list):
        for index, entry in enumerate(entries):
            if isinstance(entry, dict) and isinstance(entry.get("item"), str):
                yield index, entry["item"]


def _unknown_item(loc: tuple[Any, ...], code: str, known: Sequence[str]) -> Problem:
    zh = f"字段 item 引用了不存在的事项 {code}"
    en = f"field item refers to unknown item {code}"
    hint = suggest(code, known)
    if hint:
        zh += f"，是否应为 {hint}？"
        en += f"; did you mean {hint}?"
    return Problem(loc, zh, en)
