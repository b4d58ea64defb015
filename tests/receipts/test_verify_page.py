"""The public verification page a document's QR code opens (GET /verify/{code}): key facts,
the record chain's verdict and the signature's, in Chinese and English, as a self-contained
page with the security headers of every answer."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from api.deps import ServiceState
from approval_core.context import CoreDeps
from approval_core.receipts.documents import ReceiptDocuments
from approval_core.receipts.signing import KeyMaterial, PadesSigner
from approval_core.records.models import CaseRecord
from tests.conftest import FrozenClock, People
from tests.receipts.ca import PASSPHRASE, make_ca
from tests.receipts.support import all_receipts, walk_full_case


def test_a_genuine_document_shows_its_facts_and_both_verdicts(
    client: TestClient,
    service: ServiceState,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
) -> None:
    walked = walk_full_case(sessions, core, people, clock)
    decision = all_receipts(sessions, core, walked.case_id)[-1]
    url = service.documents.verify_url(decision)
    assert url == f"{service.settings.public_url}/verify/{decision.code}"
    page = client.get(url.removeprefix(service.settings.public_url))
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert "'sha256-" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    for expected in (
        "文书查验",
        "Document verification",
        decision.title_zh,
        decision.number,
        walked.tracking_no,
        decision.department_zh,
        decision.department_en,
        "2026-03-12",
        "准予",
        "Granted",
        "记录链完整",
        "Record chain intact",
        "电子签章有效",
        "Digital signature valid",
        "throw-away test certificate",
        "张*",
    ):
        assert expected in page.text, expected
    assert "张三" not in page.text
    assert "<script" not in page.text
    assert "http" not in page.text.split("<body>")[0].replace("http-equiv", "")  # no assets
    typed = client.get(f"/verify/{decision.printed_code.lower()}")
    assert typed.status_code == 200
    assert decision.number in typed.text


def test_unknown_codes_and_a_broken_chain_show_no_facts(
    client: TestClient,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
) -> None:
    walked = walk_full_case(sessions, core, people, clock)
    extension = all_receipts(sessions, core, walked.case_id)[4]
    flipped = extension.code[:-1] + ("A" if extension.code[-1] != "A" else "B")
    for code in (flipped, "not-a-code"):
        page = client.get(f"/verify/{code}")
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")
        assert "未找到与此验证码相符的真实文书" in page.text
        assert "No genuine document" in page.text
    with sessions() as session, session.begin():
        session.execute(
            update(CaseRecord)
            .where(CaseRecord.case_id == walked.case_id, CaseRecord.seq == 2)
            .values(reason="改动过的记录")
        )
    broken = client.get(f"/verify/{extension.code}")
    assert broken.status_code == 409
    assert "记录链校验失败" in broken.text
    assert "Record chain broken" in broken.text
    assert walked.tracking_no not in broken.text
    assert extension.number not in broken.text


def test_a_signature_the_service_cannot_trust_is_reported(
    client: TestClient,
    service: ServiceState,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    tmp_path: Path,
) -> None:
    """A chain file from another root (a misconfiguration) leaves the signature untrusted."""
    ca, other = make_ca(tmp_path / "ca"), make_ca(tmp_path / "other", root_cn="Another Root")
    material = KeyMaterial(
        key=ca.key_file.read_bytes(),
        cert=ca.cert_file.read_bytes(),
        chain=other.root_pem,
        passphrase=PASSPHRASE.encode(),
    )
    service.documents = ReceiptDocuments(PadesSigner(material), service.settings.public_url)
    walked = walk_full_case(sessions, core, people, clock)
    decision = all_receipts(sessions, core, walked.case_id)[-1]
    page = client.get(f"/verify/{decision.code}")
    assert page.status_code == 200
    assert "记录链完整" in page.text
    assert "电子签章无效" in page.text
    assert "Digital signature NOT valid" in page.text
    assert "trusted=False" in page.text


def test_the_printable_page_links_the_verification_url(
    client: TestClient,
    service: ServiceState,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
) -> None:
    walked = walk_full_case(sessions, core, people, clock)
    decision = all_receipts(sessions, core, walked.case_id)[-1]
    page = client.get(
        f"/api/v1/cases/{walked.case_id}/receipts/decision",
        params={"format": "html"},
        headers=people.auth("other_clerk"),
    )
    assert page.status_code == 200, page.text
    url = f"{service.settings.public_url}/verify/{decision.code}"
    assert f'<a href="{url}">{url}</a>' in page.text
    assert '<svg width="' in page.text  # the QR code, inline
