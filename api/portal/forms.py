"""Errors of the service hall's forms, each tied to the form field it is about: pydantic's errors
and the service's InvalidInput turned into texts that name the field by its label (Chinese and
English), so the page can show every one next to its field and in a summary at the top."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import ValidationError

from api.field_errors import field_error
from approval_core.errors import InvalidInput


@dataclass(frozen=True)
class FieldProblem:
    """What is wrong with one field (`field` is the form field's name, as `_macros.field`
    expects it)."""

    field: str
    detail: str
    detail_zh: str


Labels = Mapping[str, tuple[str, str]]  # form field -> (Chinese label, English label)


def from_validation(
    exc: ValidationError, names: Mapping[str, str], labels: Labels
) -> dict[str, FieldProblem]:
    """The model's errors by form field (the first per field): `names` maps the model's field
    path (e.g. "legal_representative.id_number") to the form field."""
    found: dict[str, FieldProblem] = {}
    for error in exc.errors():
        described = field_error(dict(error))
        path = described["field"]
        name = names.get(path, path)
        zh, en = labels.get(name, (name, name))
        message_zh = str(described["message_zh"]).removeprefix(f"{path}：")
        message_en = str(described["message_en"]).removeprefix(f"{path}: ")
        found.setdefault(
            name,
            FieldProblem(name, message_en.replace(path, en, 1), message_zh.replace(path, zh, 1)),
        )
    return found


def _after_field(text: str, separators: tuple[str, ...]) -> str:
    """The service's message without its leading API field name ("applicant.id_number：…")."""
    if text.startswith("applicant."):
        for separator in separators:
            head, found, rest = text.partition(separator)
            if found and " " not in head:
                return rest.strip()
    return text


def from_domain(error: InvalidInput, names: Mapping[str, str], labels: Labels) -> FieldProblem:
    """The service's refusal as the problem of the form field it names."""
    path = (error.field or "").removeprefix("applicant.")
    name = names.get(path, path)
    zh, en = labels.get(name, (name, name))
    detail_zh = _after_field(error.detail_zh or error.detail, ("：",))
    detail = _after_field(error.detail, (": ",))
    if detail_zh.startswith("个人申请须填写") or detail_zh.startswith("单位申请须填写"):
        detail_zh, detail = f"请填写{zh}", f"{en} is required"
    return FieldProblem(name, detail, detail_zh)


def required(
    values: Mapping[str, str], fields: list[str], labels: Labels
) -> dict[str, FieldProblem]:
    """The empty ones of `fields`, each as "please fill in" naming its label."""
    return {
        name: FieldProblem(name, f"{labels[name][1]} is required", f"请填写{labels[name][0]}")
        for name in fields
        if not values.get(name, "").strip()
    }
