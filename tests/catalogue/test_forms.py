"""Blank forms (rules/forms/) and application conditions of the catalogue: checked at load,
reported at file:line, part of the version."""

from __future__ import annotations

import hashlib

import pytest

from approval_core.catalogue import load_catalogue
from approval_core.catalogue.blankforms import drafts
from approval_core.errors import ConfigError
from supervisor.policy.value import policy_version, read_files
from tests.catalogue.support import RULES, RulesCopy

ITEMS = "rules/items.yaml"
LAWYER = "- code: LAWYER-PRACTICE"
FORM = "forms/LAWYER-PRACTICE/APPLICATION.pdf"


def problems(rules: RulesCopy) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_catalogue(rules.dir)
    return caught.value.problems


def test_every_form_named_exists_and_every_form_file_is_named() -> None:
    catalogue = load_catalogue(RULES)
    named = {m.form for item in catalogue.items.values() for m in item.materials if m.form}
    on_disk = {p.relative_to(RULES).as_posix() for p in (RULES / "forms").rglob("*.pdf")}
    assert named == on_disk
    assert set(catalogue.forms) == named
    for path, form in catalogue.forms.items():
        data = (RULES / path).read_bytes()
        assert form.sha256 == hashlib.sha256(data).hexdigest()
        assert form.media_type == "application/pdf"
        assert data.startswith(b"%PDF-")


def test_every_item_has_conditions_with_their_basis() -> None:
    catalogue = load_catalogue(RULES)
    for code, item in catalogue.items.items():
        view = catalogue.public_view(code)
        assert view["conditions"], code
        assert view["conditions_basis"], code
        assert len(item.conditions) == len(view["conditions"])


def test_the_identity_document_is_not_a_form() -> None:
    item = load_catalogue(RULES).get("LAWYER-PRACTICE")
    identity = next(m for m in item.materials if m.code == "IDENTITY")
    assert identity.form is None


def test_a_missing_form_file_is_reported_at_its_line(rules: RulesCopy) -> None:
    (rules.dir / FORM).unlink()
    line = rules.line_of("items.yaml", f"form: {FORM}", after=LAWYER)
    assert problems(rules) == [
        f"{ITEMS}:{line}:9: 表格文件 {FORM} 不存在（应放在规则目录下的 {FORM}） "
        f"/ the form file {FORM} does not exist (put it at {FORM} in the rules folder)"
    ]


def test_an_empty_form_and_a_form_of_another_kind(rules: RulesCopy) -> None:
    (rules.dir / FORM).write_bytes(b"")
    other = "forms/LAWYER-PRACTICE/FIRM_CONSENT.pdf"
    (rules.dir / other).write_bytes(b"PK\x03\x04 a docx renamed to .pdf")
    empty_line = rules.line_of("items.yaml", f"form: {FORM}")
    other_line = rules.line_of("items.yaml", f"form: {other}")
    assert problems(rules) == [
        f"{ITEMS}:{empty_line}:9: 表格文件 {FORM} 是空文件 / the form file {FORM} is empty",
        f"{ITEMS}:{other_line}:9: 表格文件 {other} 的内容不是 pdf 格式 "
        f"/ the form file {other} is not a pdf file",
    ]


@pytest.mark.parametrize("path", ["../items.yaml", "forms/LAWYER-PRACTICE/a.exe", "/etc/passwd"])
def test_a_form_path_outside_forms_or_of_an_unknown_kind(rules: RulesCopy, path: str) -> None:
    line = rules.replace("items.yaml", f"form: {FORM}", f"form: {path}")
    (message,) = problems(rules)
    assert message.startswith(f"{ITEMS}:{line}:9: 字段 form 须为 rules 目录下 forms/ 中的文件路径")


def test_conditions_are_required(rules: RulesCopy) -> None:
    text = rules.text("items.yaml")
    start = text.index("    # 申请条件", text.index(LAWYER))
    end = text.index("    conditions_basis:", start)
    rules.path("items.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    line = rules.line_of("items.yaml", "code: LAWYER-PRACTICE")
    assert problems(rules) == [
        f"{ITEMS}:{line}:5: 缺少必填字段 conditions / required field conditions is missing"
    ]


def test_a_changed_form_changes_the_catalogue_and_policy_versions(rules: RulesCopy) -> None:
    before = load_catalogue(rules.dir)
    files_before = read_files(rules.dir)
    (rules.dir / FORM).write_bytes(b"%PDF-1.4 the department's official form\n")
    after = load_catalogue(rules.dir)
    assert after.version != before.version
    assert policy_version(read_files(rules.dir)) != policy_version(files_before)
    material = after.public_view("LAWYER-PRACTICE")["materials"][0]
    digest = hashlib.sha256(b"%PDF-1.4 the department's official form\n").hexdigest()
    assert material["form"] == FORM
    assert material["form_sha256"] == digest


def test_the_drafts_are_the_committed_forms() -> None:
    """Every draft the generator knows is committed at its path (policy staff may have
    replaced it with the official form since; then this lists it)."""
    paths = {draft.path for draft in drafts(RULES)}
    assert paths == set(load_catalogue(RULES).forms)
