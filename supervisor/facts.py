"""Build flat facts (see supervisor/fields.py) from the core's fact payloads and the catalogue.

Everything that needs the calendar, the fee tables or the catalogue is computed here, in
Python; the rules only compare the resulting fields. Fields whose value is unknown are left
out (a comparison on a missing field is false).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from approval_core.catalogue.service import Catalogue
from approval_core.clock.units import DAY_WORD, DAY_WORD_EN
from approval_core.timeutil import legal_date

# Public-disclosure elements each item must publish (事前监察, docs/DOMAIN.md section 4).
DISCLOSURE_FIELDS = (
    "legal_basis",
    "materials",
    "flow",
    "time_limits",
    "fee",
    "department",
    "contact_phone",
    "supervision_phone",
)


def _clock_fields(clock: Mapping[str, Any]) -> dict[str, Any]:
    out = {
        k: clock[k]
        for k in (
            "limit",
            "extension",
            "elapsed",
            "remaining",
            "overdue",
            "stopped",
            "running",
            "deemed_accepted",
            "provisional",
        )
        if clock.get(k) is not None
    }
    promised = clock.get("promised") or {}
    if promised:
        out["promised_remaining"] = promised["remaining"]
        out["promised_overdue"] = promised["overdue"]
    step = clock.get("step") or {}
    if step:
        out["step_elapsed"] = step["elapsed"]
        out["step_limit"] = step["limit"] or 0
        out["step_over"] = step["over"]
    return out


# Steps of the workflow that an item's flow does not name.
_STEP_NAMES = {
    "register": ("登记", "registration"),
    "supplement": ("补正", "supplement"),
    "assign": ("分办", "assignment"),
    "done": ("办结", "concluded"),
}


def _step_names(flow: Sequence[Any], step: str) -> tuple[str, str]:
    """The step's names from the item's published flow, else the workflow's own."""
    for entry in flow:
        if entry.code == step:
            return entry.name_zh, entry.name_en
    return _STEP_NAMES.get(step, (step, step))


def _amount(value: Any) -> float | None:
    try:
        return float(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None


def _fee_fields(catalogue: Catalogue, item: str, event: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"fee_item_free": catalogue.is_free(item)}
    amount = _amount(event.get("amount"))
    if amount is not None:
        out["fee_amount"] = amount
    code = event.get("fee_code")
    standard = catalogue.fee_standard(item, code) if code else None
    out["fee_in_catalogue"] = standard is not None
    if code:
        out["fee_code"] = code
    if standard is not None:
        out["fee_standard"] = float(standard.amount_yuan)
    return out


def _backdate_fields(catalogue: Catalogue, event: Mapping[str, Any]) -> dict[str, Any]:
    """How long after the moment it names an action was recorded (补录), beside the tolerance
    of rules/timeliness.yaml; absent for events that are not records (sweeps, refusals)."""
    if not event.get("recorded_at") or not event.get("at"):
        return {}
    lag = datetime.fromisoformat(event["recorded_at"]) - datetime.fromisoformat(event["at"])
    # In hours, rounded up to the hundredth: a lag over the tolerance never rounds down onto it.
    hundredths = math.ceil(max(lag.total_seconds(), 0) / 36)
    return {
        "backdated_hours": hundredths / 100,
        "backdate_tolerance_hours": catalogue.clock.backdate_tolerance_hours,
    }


def _text_fields(unit: Any, case: Mapping[str, Any], event: Mapping[str, Any]) -> dict[str, Any]:
    """What alert texts need beside the figures: the tracking number, the unit's words, and
    the date the figures hold for (texts are dated, since a card's figures do not change)."""
    out: dict[str, Any] = {
        "day_unit": unit,
        "day_word": DAY_WORD[unit],
        "day_word_en": DAY_WORD_EN[unit],
    }
    if case.get("tracking_no"):
        out["tracking_no"] = case["tracking_no"]
    if event.get("at"):
        out["figures_on"] = legal_date(datetime.fromisoformat(event["at"])).isoformat()
    return out


def case_fact(
    catalogue: Catalogue, payload: Mapping[str, Any], extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The flat fact of a case event: {"event": {...}, "case": snapshot} -> fields."""
    event, case = payload["event"], payload["case"]
    item = case["item"]
    names = catalogue.get(item)
    fact: dict[str, Any] = {
        "subject": "case",
        "event": event["action"],
        "item": item,
        "item_name": names.name_zh,
        "item_name_en": names.name_en,
        "category": case["category"],
        "department": case["department"],
        "state": case["state"],
        "step": case["step"],
        "missing_materials": list(case.get("missing_materials", [])),
        "missing_materials_count": len(case.get("missing_materials", [])),
        "supplement_notices_before_acceptance": case.get("supplement_notices_before_acceptance", 0),
        "reviews": case.get("reviews", 0),
        "extensions_approved": case.get("extensions_approved", 0),
        "reason_given": bool(event.get("reason")),
        "legal_basis_given": bool(event.get("legal_basis")),
        "same_handler_reviewer": case.get("handler_id") is not None
        and case.get("handler_id") == case.get("reviewer_id"),
        "max_extension_days": catalogue.max_extension_days(catalogue.get(item)),
        **_clock_fields(case["clock"]),
    }
    fact["step_name"], fact["step_name_en"] = _step_names(names.flow, case["step"])
    fact.update(_text_fields(names.limit_unit, case, event))
    if event.get("actor_role"):
        fact["actor_role"] = event["actor_role"]
    if case.get("decision"):
        fact["decision"] = case["decision"]
    if case.get("stop_type"):
        fact["stop_type"] = case["stop_type"]
    if event["action"] == "approve_extension":
        fact["extension_days"] = int(event.get("days") or 0)
        fact["extension_by_head"] = event.get("actor_role") == "head"
        fact["extension_after_deadline"] = bool(event.get("after_deadline"))
    if event["action"] == "stop":
        # Art. 45: a stop without the written notice of its expected duration is an anomaly;
        # records made before the notice was recorded had it (expected_days was required).
        fact["stop_notice_given"] = bool(event.get("notice_given", True))
        stop = catalogue.stop_types.get(str(event.get("stop_type")))
        fact["stop_excludes_time"] = stop is not None and stop.excludes_time
    if event["action"] == "charge_fee":
        fact.update(_fee_fields(catalogue, item, event))
    fact.update(_backdate_fields(catalogue, event))
    fact.update(extra or {})
    return fact


def item_fact(catalogue: Catalogue, code: str) -> dict[str, Any]:
    """The flat fact of a catalogue item's public disclosure (事前监察)."""
    view = catalogue.public_view(code)
    item = catalogue.get(code)
    missing = [name for name in DISCLOSURE_FIELDS if not view.get(name)]
    return {
        "subject": "item",
        "event": "disclosure_check",
        "item": code,
        "item_name": item.name_zh,
        "item_name_en": item.name_en,
        "category": item.category,
        "department": item.department,
        "disclosure_missing": missing,
        "disclosure_missing_count": len(missing),
    }
