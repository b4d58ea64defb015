"""Applicants on a case: a person or an organisation, which numbers each kind needs, how they
are stored on the case row and how they are shown (masked) to staff and on receipts."""

from __future__ import annotations

from datetime import date
from typing import Any

from approval_core.cases.models import Case
from approval_core.cases.schemas import Applicant
from approval_core.errors import InvalidInput
from approval_core.identity import birth_date_problem

KIND_LABELS = {"person": ("自然人", "person"), "organisation": ("法人或其他组织", "organisation")}


def _missing(field: str, zh: str, en: str) -> InvalidInput:
    return InvalidInput(en, detail_zh=zh, field=f"applicant.{field}")


def check_applicant(applicant: Applicant, today: date) -> None:
    """A person gives a 居民身份证号; an organisation a 统一社会信用代码 and its legal
    representative; nobody gives the other kind's numbers. No birth date after `today`."""
    if applicant.kind == "person":
        if applicant.id_number is None:
            raise _missing(
                "id_number",
                "个人申请须填写 applicant.id_number（18 位居民身份证号）",
                "applicant.id_number is required for a person: an 18-character resident "
                "identity number",
            )
        for field in ("credit_code", "legal_representative"):
            if getattr(applicant, field) is not None:
                raise _missing(
                    field,
                    f"applicant.{field} 仅用于单位申请（kind 为 organisation）",
                    f"applicant.{field} is for organisations only (kind organisation)",
                )
    else:
        if applicant.credit_code is None:
            raise _missing(
                "credit_code",
                "单位申请须填写 applicant.credit_code（18 位统一社会信用代码）",
                "applicant.credit_code is required for an organisation: an 18-character "
                "unified social credit code",
            )
        if applicant.legal_representative is None:
            raise _missing(
                "legal_representative",
                "单位申请须填写 applicant.legal_representative（法定代表人姓名和身份证号）",
                "applicant.legal_representative is required for an organisation: its name "
                "and id_number",
            )
        if applicant.id_number is not None:
            raise _missing(
                "id_number",
                "单位申请不填 applicant.id_number，法定代表人的身份证号填在 "
                "applicant.legal_representative.id_number",
                "an organisation has no applicant.id_number: give the representative's in "
                "applicant.legal_representative.id_number",
            )
    _check_born(applicant, today)


def _check_born(applicant: Applicant, today: date) -> None:
    numbers = [("id_number", applicant.id_number)]
    if applicant.legal_representative is not None:
        numbers.append(("legal_representative.id_number", applicant.legal_representative.id_number))
    for field, number in numbers:
        problem = birth_date_problem(number, today) if number else None
        if problem is not None:
            raise InvalidInput(
                f"applicant.{field}: {problem[2]}",
                detail_zh=f"applicant.{field}：{problem[1]}",
                field=f"applicant.{field}",
            )


def applicant_columns(applicant: Applicant) -> dict[str, Any]:
    """The case row's applicant columns."""
    representative = applicant.legal_representative
    return {
        "applicant_kind": applicant.kind,
        "applicant_name": applicant.name,
        # the applicant's own number (check_applicant: exactly one of the two is given)
        "applicant_id_number": applicant.id_number or applicant.credit_code,
        "applicant_representative_name": representative.name if representative else None,
        "applicant_representative_id_number": representative.id_number if representative else None,
        "applicant_phone": applicant.phone,
        "applicant_email": applicant.email,
    }


def mask_id_number(id_number: str) -> str:
    """Show only the first 3 and last 4 characters of an ID number."""
    if len(id_number) <= 7:
        return "*" * len(id_number)
    return id_number[:3] + "*" * (len(id_number) - 7) + id_number[-4:]


def applicant_number(case: Case) -> str:
    """How a receipt names the applicant's number: the masked 居民身份证号 of a person, the
    统一社会信用代码 of an organisation (public anyway) and its legal representative."""
    if case.applicant_kind == "organisation":
        representative = case.applicant_representative_name or ""
        return f"{case.applicant_id_number}；法定代表人 / legal representative {representative}"
    return mask_id_number(case.applicant_id_number)


def applicant_view(case: Case) -> dict[str, Any]:
    """The applicant as staff see it: identity numbers masked."""
    zh, en = KIND_LABELS.get(case.applicant_kind, KIND_LABELS["person"])
    view: dict[str, Any] = {
        "kind": case.applicant_kind,
        "kind_label": {"zh": zh, "en": en},
        "name": case.applicant_name,
        "phone": case.applicant_phone,
        "email": case.applicant_email,
    }
    if case.applicant_kind == "organisation":
        view["credit_code"] = case.applicant_id_number
        view["legal_representative"] = {
            "name": case.applicant_representative_name,
            "id_number": mask_id_number(case.applicant_representative_id_number or ""),
        }
    else:
        view["id_number"] = mask_id_number(case.applicant_id_number)
    return view
