"""The materials routes: filing with files, the supplement upload, the list and the download
(the case's applicant and department staff only), and the refusals as problem documents."""

from __future__ import annotations

import errno
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from approval_core.context import CoreDeps
from approval_core.materials import storage
from approval_core.materials.schemas import UploadLimits
from approval_core.users.service import add_user
from tests.conftest import People
from tests.materials.conftest import APPLICANT, EXE, PNG, pdf, rows, stored
from tests.support import act, item_in

URL = "/api/v1/cases/with-materials"


def _file(client: TestClient, people: People, core: CoreDeps, files: list[tuple[str, Any]]) -> Any:
    item = item_in(core, people.department)
    form = {"command": json.dumps({"item": item, "applicant": APPLICANT})}
    return client.post(URL, data=form, files=files, headers=people.auth("applicant"))


def _other_applicant(sessions: sessionmaker[Session], core: CoreDeps) -> dict[str, str]:
    with sessions() as session, session.begin():
        _, token = add_user(
            session,
            name="李四",
            role="applicant",
            department=None,
            now=core.now(),
            known_departments=set(core.catalogue.departments),
        )
    return {"Authorization": f"Bearer {token}"}


def test_filed_with_files_listed_and_downloaded_by_applicant_and_department_only(
    client: TestClient, people: People, core: CoreDeps, sessions: sessionmaker[Session]
) -> None:
    body = pdf(4000)
    answer = _file(
        client,
        people,
        core,
        [
            ("APPLICATION", ("申请书.pdf", body, "application/pdf")),
            ("IDENTITY", ("id.png", PNG, "image/png")),
        ],
    )
    assert answer.status_code == 201, answer.text
    case_id = answer.json()["id"]
    assert [f["sha256"] for f in answer.json()["files"]] == [
        hashlib.sha256(body).hexdigest(),
        hashlib.sha256(PNG).hexdigest(),
    ]
    listing = f"/api/v1/cases/{case_id}/materials"
    for who in ("applicant", "clerk", "handler", "head"):
        listed = client.get(listing, headers=people.auth(who))
        assert listed.status_code == 200, (who, listed.text)
        assert [f["material"] for f in listed.json()] == ["APPLICATION", "IDENTITY"]
    file_id = listed.json()[0]["id"]
    download = f"{listing}/{file_id}"
    for who in ("applicant", "clerk"):
        got = client.get(download, headers=people.auth(who))
        assert got.status_code == 200
        assert got.content == body
        assert got.headers["content-type"] == "application/pdf"
        assert got.headers["content-disposition"].startswith("attachment;")
        assert (
            "filename*=utf-8''%E7%94%B3%E8%AF%B7%E4%B9%A6.pdf" in got.headers["content-disposition"]
        )
        assert got.headers["x-content-type-options"] == "nosniff"
    stranger = _other_applicant(sessions, core)
    for headers in (stranger, people.auth("other_clerk"), people.auth("other_handler")):
        for url in (listing, download):
            hidden = client.get(url, headers=headers)
            assert hidden.status_code == 404, url
            assert hidden.headers["content-type"] == "application/problem+json"
    records = client.get(f"/api/v1/cases/{case_id}/records", headers=people.auth("head")).json()
    assert records[0]["payload"]["files"][0]["sha256"] == hashlib.sha256(body).hexdigest()


def test_a_renamed_program_is_refused_naming_the_file_and_the_material(
    client: TestClient, people: People, core: CoreDeps, sessions: sessionmaker[Session]
) -> None:
    answer = _file(client, people, core, [("APPLICATION", ("申请书.pdf", EXE, "application/pdf"))])
    assert answer.status_code == 422
    problem = answer.json()
    assert problem["errors"][0]["field"] == "APPLICATION"
    assert "申请书.pdf" in problem["detail_zh"]
    assert "申请书.pdf" in problem["detail_en"]
    assert rows(sessions) == (0, 0)


def test_an_oversize_file_is_a_413_with_nothing_stored(
    client: TestClient, people: People, core: CoreDeps, sessions: sessionmaker[Session]
) -> None:
    settings = client.app.state.service.settings  # type: ignore[attr-defined]
    settings.upload_max_bytes = 100_000
    big = pdf(100_001)
    answer = _file(client, people, core, [("APPLICATION", ("big.pdf", big, "application/pdf"))])
    assert answer.status_code == 413
    assert answer.json()["errors"][0]["field"] == "APPLICATION"
    assert "超过大小上限" in answer.json()["detail_zh"]
    assert stored(settings.upload_dir) == []
    assert rows(sessions) == (0, 0)


def test_a_body_over_the_bound_is_refused_before_or_while_it_is_read(
    client: TestClient, people: People, core: CoreDeps, sessions: sessionmaker[Session]
) -> None:
    """An announced length over the bound is refused unread; a body sent without a length
    (chunked) is cut off once it passes the bound, with nothing written or stored."""
    settings = client.app.state.service.settings  # type: ignore[attr-defined]
    settings.upload_max_bytes, settings.upload_max_files = 100_000, 2
    bound = UploadLimits.from_settings(settings).body_bound
    auth = people.auth("applicant")
    announced = client.post(
        URL,
        content=b"--x--\r\n",
        headers={
            **auth,
            "content-type": "multipart/form-data; boundary=x",
            "content-length": str(bound + 1),
        },
    )
    assert announced.status_code == 413
    assert announced.json()["errors"][0]["field"] == "files"
    assert "提交的内容过大" in announced.json()["detail_zh"]
    item = item_in(core, people.department)
    command = json.dumps({"item": item, "applicant": APPLICANT}, ensure_ascii=False)
    head = (
        f'--x\r\nContent-Disposition: form-data; name="command"\r\n\r\n{command}\r\n'
        '--x\r\nContent-Disposition: form-data; name="APPLICATION"; filename="a.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-"
    ).encode()

    def endless() -> Iterator[bytes]:
        yield head
        for _ in range(bound // 65536 + 64):  # far past the bound, if nobody stops it
            yield b"0" * 65536

    chunked = client.post(
        URL, content=endless(), headers={**auth, "content-type": "multipart/form-data; boundary=x"}
    )
    assert chunked.status_code == 413
    assert chunked.json()["errors"][0]["field"] == "files"
    assert rows(sessions) == (0, 0)
    assert stored(settings.upload_dir) == []


def test_too_many_files_and_a_missing_command_are_422_naming_the_field(
    client: TestClient, people: People, core: CoreDeps
) -> None:
    settings = client.app.state.service.settings  # type: ignore[attr-defined]
    settings.upload_max_files = 2
    files = [("APPLICATION", (f"{n}.pdf", pdf(), "application/pdf")) for n in range(3)]
    answer = _file(client, people, core, files)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "files"
    many = _file(client, people, core, files * 3)  # past what the form parser reads
    assert many.status_code == 422
    assert many.json()["errors"][0]["field"] == "files"
    garbage = client.post(
        URL,
        content=b"not a form",
        headers={**people.auth("applicant"), "content-type": "multipart/form-data; boundary=x"},
    )
    assert garbage.status_code == 400
    assert "multipart" in garbage.json()["detail_zh"]
    missing = client.post(
        URL,
        files=[("APPLICATION", ("a.pdf", pdf(), "application/pdf"))],
        headers=people.auth("applicant"),
    )
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "command"
    bad = client.post(
        URL,
        data={"command": json.dumps({"item": "LAWYER-PRACTICE", "applicant": {"name": ""}})},
        files=[("APPLICATION", ("a.pdf", pdf(), "application/pdf"))],
        headers=people.auth("applicant"),
    )
    assert bad.status_code == 422
    assert "command.applicant.name" in [e["field"] for e in bad.json()["errors"]]


def test_a_full_disk_is_a_507_problem(
    client: TestClient,
    people: People,
    core: CoreDeps,
    sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_space(fd: int, data: bytes) -> None:  # noqa: ARG001 (the signature replaced)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage, "_write_chunk", no_space)
    answer = _file(client, people, core, [("APPLICATION", ("a.pdf", pdf(), "application/pdf"))])
    assert answer.status_code == 507
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["title"] == "存储空间不足"
    english = _file(client, people, core, [("APPLICATION", ("a.pdf", pdf(), "application/pdf"))])
    assert "storage full" in english.json()["detail_en"]
    assert rows(sessions) == (0, 0)


def test_the_applicant_answers_a_supplement_notice_by_upload(
    client: TestClient, people: People, core: CoreDeps, sessions: sessionmaker[Session]
) -> None:
    answer = _file(client, people, core, [("APPLICATION", ("a.pdf", pdf(), "application/pdf"))])
    case_id = answer.json()["id"]
    clerk = people.actors["clerk"]
    act(sessions, core, clerk, case_id, "register", core.now())
    act(sessions, core, clerk, case_id, "request_supplement", core.now(), materials=["IDENTITY"])
    url = f"/api/v1/cases/{case_id}/materials"
    uploaded = client.post(
        url,
        data={"reason": "补交身份证"},
        files=[("IDENTITY", ("身份证.png", PNG, "image/png"))],
        headers=people.auth("applicant"),
    )
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()[0]["action"] == "supplement"
    case = client.get(f"/api/v1/cases/{case_id}", headers=people.auth("applicant")).json()
    assert case["state"] == "registered"
    records = client.get(f"/api/v1/cases/{case_id}/records", headers=people.auth("applicant"))
    last = records.json()[-1]
    assert (last["action"], last["actor"]["role"], last["reason"]) == (
        "supplement_received",
        "applicant",
        "补交身份证",
    )
    assert last["payload"]["files"][0]["sha256"] == hashlib.sha256(PNG).hexdigest()


def test_a_retry_with_the_same_key_gets_the_first_answer_and_stores_nothing_more(
    client: TestClient, people: People, core: CoreDeps, sessions: sessionmaker[Session]
) -> None:
    item = item_in(core, people.department)
    form = {"command": json.dumps({"item": item, "applicant": APPLICANT})}
    headers = {**people.auth("applicant"), "Idempotency-Key": "filing-1"}

    def send(data: bytes) -> Any:
        files = [("APPLICATION", ("a.pdf", data, "application/pdf"))]
        return client.post(URL, data=form, files=files, headers=headers)

    first, again = send(pdf()), send(pdf())
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert rows(sessions) == (1, 1)
    settings = client.app.state.service.settings  # type: ignore[attr-defined]
    assert len(stored(settings.upload_dir)) == 1
    other = send(pdf(3000))  # the same key with other bytes: another request
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert len(stored(settings.upload_dir)) == 1


def test_the_receipt_of_materials_lists_each_file_with_its_sha256(
    client: TestClient, people: People, core: CoreDeps
) -> None:
    body = pdf(4000)
    filed = _file(client, people, core, [("APPLICATION", ("申请书.pdf", body, "application/pdf"))])
    url = f"/api/v1/cases/{filed.json()['id']}/receipts/receipt_of_materials"
    receipt = client.get(url, headers=people.auth("applicant"))
    assert receipt.status_code == 200
    text = json.dumps(receipt.json(), ensure_ascii=False)
    assert "收到文件" in text
    assert (
        f"申请书.pdf（APPLICATION，4000 字节 / bytes）SHA-256 {hashlib.sha256(body).hexdigest()}"
        in text
    )
    printed = client.get(url, params={"format": "pdf"}, headers=people.auth("applicant"))
    assert printed.status_code == 200
    assert printed.content.startswith(b"%PDF-")
    Path("var/screenshots").mkdir(parents=True, exist_ok=True)
    Path("var/screenshots/receipt_of_materials_with_files.pdf").write_bytes(printed.content)
