"""The service guide (办事指南) over HTTP: the home page, every item's guide with what it must
disclose, the blank forms served byte for byte from the policy, and the errors."""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from approval_core.catalogue import load_catalogue
from approval_core.errors import ConfigError
from tests.catalogue.support import RULES, RulesCopy

CATALOGUE = load_catalogue(RULES)
CODES = list(CATALOGUE.items)


def _text(page: str) -> str:
    """The page's text without tags (entities decoded), to look for what a reader sees."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def test_the_home_page_lists_every_item_by_category(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    text = _text(page.text)
    assert "网上办事大厅" in text
    for category in CATALOGUE.categories.values():
        assert category.name_zh in text
    for code, item in CATALOGUE.items.items():
        assert item.name_zh in text
        assert f'href="/guide/{code}"' in page.text
        assert f'href="/file/{code}"' in page.text
    for link in ('href="/progress"', 'href="/account/login"', 'href="/account/register"'):
        assert link in page.text


@pytest.mark.parametrize("code", CODES)
def test_every_item_has_a_complete_guide(client: TestClient, code: str) -> None:
    page = client.get(f"/guide/{code}")
    assert page.status_code == 200, page.text[:300]
    text = _text(page.text)
    item = CATALOGUE.get(code)
    department = CATALOGUE.departments[item.department]
    expected = [
        item.name_zh,
        *(f"{b.statute}{b.article}" for b in item.legal_basis),
        *(c.text_zh for c in item.conditions),
        *(m.name_zh for m in item.materials),
        *(s.name_zh for s in item.flow),
        f"{item.limit} 日",
        f"{item.promised_limit} 日",
        *(f"{b.statute}{b.article}" for b in CATALOGUE.fee(code).basis),
        department.name_zh,
        department.address_zh,
        item.contact_phone,
        item.supervision_phone,
        "监督电话",
        "在线申报",
    ]
    missing = [part for part in expected if part not in text]
    assert missing == []
    assert ("不收费" in text) == CATALOGUE.fee(code).free
    assert f'href="/file/{code}"' in page.text
    # every form-type material links its download; the others say there is none
    for material in item.materials:
        link = f'href="/guide/{code}/forms/{material.code}"'
        assert (link in page.text) == (material.form is not None), material.code
    plain = sum(1 for m in item.materials if m.form is None)
    assert text.count("无表格下载") == plain


def test_the_guide_in_english(client: TestClient) -> None:
    page = client.get("/guide/LAWYER-PRACTICE?lang=en")
    assert page.status_code == 200
    text = _text(page.text)
    item = CATALOGUE.get("LAWYER-PRACTICE")
    assert item.name_en in text
    assert "Supervision phone" in text
    assert "Download the blank form" in text
    assert item.conditions[0].text_en in text
    assert '<html lang="en">' in page.text


@pytest.mark.parametrize(
    ("code", "material"),
    [(c, m.code) for c in CODES for m in CATALOGUE.get(c).materials if m.form],
)
def test_every_form_downloads_the_file_under_rules(
    client: TestClient, code: str, material: str
) -> None:
    answer = client.get(f"/guide/{code}/forms/{material}")
    assert answer.status_code == 200
    form = next(m for m in CATALOGUE.get(code).materials if m.code == material)
    assert form.form is not None
    on_disk = (RULES / form.form).read_bytes()
    assert answer.content
    assert hashlib.sha256(answer.content).hexdigest() == hashlib.sha256(on_disk).hexdigest()
    assert answer.headers["content-type"] == "application/pdf"
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith(f'attachment; filename="{material}.pdf"; ')
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert re.fullmatch(r"[A-Za-z0-9%._~-]+", encoded), "RFC 5987: percent-encoded UTF-8"
    assert unquote(encoded) == f"{form.name_zh}.pdf"


def test_served_forms_come_from_the_policy_in_force(client: TestClient) -> None:
    """The bytes served are the policy's own (its version names them), not a re-read file."""
    policy = client.app.state.service.supervisor.policy  # type: ignore[attr-defined]
    path = "forms/LAWYER-PRACTICE/APPLICATION.pdf"
    answer = client.get("/guide/LAWYER-PRACTICE/forms/APPLICATION")
    assert answer.content == policy.files[path]
    assert answer.headers["etag"] == f'"{policy.catalogue.forms[path].sha256}"'
    assert CATALOGUE.forms[path].sha256 == policy.catalogue.forms[path].sha256


def test_an_unknown_item_is_a_404_page_in_the_readers_language(client: TestClient) -> None:
    page = client.get("/guide/NO-SUCH-ITEM", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "审批事项 NO-SUCH-ITEM 不存在" in _text(page.text)
    english = client.get("/guide/NO-SUCH-ITEM?lang=en", headers={"Accept": "text/html"})
    assert english.status_code == 404
    assert "NO-SUCH-ITEM" in _text(english.text)
    assert "不存在" not in _text(english.text)


def test_a_material_without_a_form_has_no_download(client: TestClient) -> None:
    page = client.get("/guide/LAWYER-PRACTICE/forms/IDENTITY")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "没有可下载的表格" in _text(page.text)
    assert client.get("/guide/LAWYER-PRACTICE/forms/NOPE").status_code == 404


def test_a_form_file_missing_from_rules_is_named_with_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    rules = RulesCopy(tmp_path)
    path = "forms/LEGAL-AID-APPLICATION/APPLICATION.pdf"
    (rules.dir / path).unlink()
    line = rules.line_of("items.yaml", f"form: {path}")
    with pytest.raises(ConfigError) as refused:
        load_catalogue(rules.dir)
    assert refused.value.problems == [
        f"rules/items.yaml:{line}:9: 表格文件 {path} 不存在（应放在规则目录下的 {path}） "
        f"/ the form file {path} does not exist (put it at {path} in the rules folder)"
    ]
