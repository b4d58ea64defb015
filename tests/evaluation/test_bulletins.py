"""Bulletins (监察通报 / 年终考核): issued by the scheduler's job once per period, numbered per
year and kind, never changed; a re-run reproduces the bytes; the printed code verifies, and
fails once the stored content is altered. The history is tests/evaluation/test_statistics.py's
(July 2026 first, August recorded after the July bulletin was issued)."""

from __future__ import annotations

import hashlib

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from api.cli import main
from approval_core.context import CoreDeps
from supervisor.evaluation import bulletins
from supervisor.evaluation.models import Bulletin, BulletinImmutable
from supervisor.runtime import Supervisor
from supervisor.scheduler import Jobs
from tests.conftest import FrozenClock, People
from tests.evaluation.test_statistics import History
from tests.support import bj

AUGUST_1 = bj(2026, 8, 1, 2, 30)  # the job's first run in August (Beijing time)


def _july(sessions: sessionmaker[Session], core: CoreDeps, people: People) -> History:
    history = History(sessions, core, people)
    history.until_end_of_july()
    return history


def _one(sessions: sessionmaker[Session], number: str) -> Bulletin:
    with sessions() as session:
        return session.scalars(select(Bulletin).where(Bulletin.number == number)).one()


def test_the_job_issues_once_and_a_rerun_is_byte_identical(
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    supervisor: Supervisor,
) -> None:
    clock.set(bj(2026, 12, 1, 12))
    history = _july(sessions, core, people)
    jobs = Jobs(sessions, core, supervisor, holder="a")
    clock.set(AUGUST_1)
    assert jobs.bulletins_if_leader() == ["监察通报〔2026〕第1号"]
    assert jobs.bulletins_if_leader() == []  # a second run issues nothing
    assert Jobs(sessions, core, supervisor, holder="b").bulletins_if_leader() == []  # not leader
    stored = _one(sessions, "监察通报〔2026〕第1号")
    assert (stored.kind, stored.period, stored.issued_by) == ("monthly", "2026-07", "scheduler")
    assert stored.as_of == AUGUST_1
    assert "律师工作管理处" in stored.html
    assert stored.html.count("<svg ") == 4
    assert stored.pdf.startswith(b"%PDF-")
    assert stored.code in stored.html
    # August is recorded after the issue: the July bulletin, re-run, is the same bytes.
    clock.set(bj(2026, 12, 1, 12))
    history.august()
    with sessions() as session:
        again = session.get(Bulletin, stored.id)
        assert again is not None
        check = bulletins.reproduce(session, core, again)
        html, pdf = bulletins.render_bulletin(session, core, bulletins.inputs_of(again), again.code)
    assert check["identical"] is True
    assert html == stored.html
    assert pdf == stored.pdf
    # September 1st: August's bulletin is the second of 2026.
    clock.set(bj(2026, 9, 1, 8))
    assert jobs.bulletins_if_leader() == ["监察通报〔2026〕第2号"]


def test_january_issues_the_year_end_assessment(
    sessions: sessionmaker[Session], core: CoreDeps, clock: FrozenClock, supervisor: Supervisor
) -> None:
    clock.set(bj(2027, 1, 1, 9))
    jobs = Jobs(sessions, core, supervisor, holder="a")
    assert jobs.bulletins_if_leader() == ["监察通报〔2027〕第1号", "年终考核〔2027〕第1号"]
    assert jobs.bulletins_if_leader() == []
    annual = _one(sessions, "年终考核〔2027〕第1号")
    assert (annual.kind, annual.period) == ("annual", "2026")
    assert "年终考核" in annual.html
    with sessions() as session:
        found = bulletins.verify(session, core, annual.code.lower())
        assert found is not None
        assert found.number == annual.number


def test_verification_fails_after_tampering(
    sessions: sessionmaker[Session], core: CoreDeps, people: People, clock: FrozenClock
) -> None:
    clock.set(bj(2026, 12, 1, 12))
    _july(sessions, core, people)
    with sessions() as session, session.begin():
        issued = bulletins.issue(session, core, "monthly", "2026-07", AUGUST_1, by="test")
        assert issued is not None
        code, number = issued.code, issued.number
        assert bulletins.issue(session, core, "monthly", "2026-07", AUGUST_1, by="x") is None
    with sessions() as session:
        assert bulletins.verify(session, core, code) is not None
        assert bulletins.verify(session, core, "AAAAAA" + code[6:]) is None
        assert (
            bulletins.verify(session, core, code[:-1] + ("A" if code[-1] != "A" else "B")) is None
        )
    # No update path: the ORM refuses to change an issued bulletin.
    with sessions() as session, session.begin():
        row = session.scalars(select(Bulletin)).one()
        row.html = row.html.replace("律师工作管理处", "某处")
        with pytest.raises(BulletinImmutable):
            session.flush()
        session.rollback()
    # Changed behind the service's back: the content, even with its digest, no longer verifies.
    with sessions() as session, session.begin():
        row = session.scalars(select(Bulletin)).one()
        html = row.html.replace("律师工作管理处", "某处")
        digest = hashlib.sha256(html.encode()).hexdigest()
        session.execute(
            text("UPDATE bulletins SET html = :html, html_sha256 = :digest WHERE number = :n"),
            {"html": html, "digest": digest, "n": number},
        )
    with sessions() as session:
        assert bulletins.verify(session, core, code) is None
        tampered = session.scalars(select(Bulletin)).one()
        assert bulletins.reproduce(session, core, tampered)["identical"] is False


def test_api_and_cli(
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    client: TestClient,
    cli_env: CliRunner,
) -> None:
    clock.set(bj(2026, 12, 1, 12))
    _july(sessions, core, people)
    result = cli_env.invoke(main, ["evaluate", "bulletin", "--period", "2026-07"])
    assert result.exit_code == 0, result.output
    assert "监察通报〔2026〕第1号" in result.output
    again = cli_env.invoke(main, ["evaluate", "bulletin", "--period", "2026-07"])
    assert again.exit_code == 0, again.output
    assert "一致 / identical" in again.output
    wrong = cli_env.invoke(main, ["evaluate", "bulletin", "--period", "2026", "--kind", "monthly"])
    assert wrong.exit_code == 2

    stored = _one(sessions, "监察通报〔2026〕第1号")
    supervisor_auth = people.auth("supervisor")
    listed = client.get("/api/v1/bulletins", headers=people.auth("head"))
    assert listed.status_code == 200, listed.text
    assert [b["number"] for b in listed.json()] == [stored.number]
    url = f"/api/v1/bulletins/{stored.number}"
    page = client.get(url, params={"format": "html"}, headers=supervisor_auth)
    assert page.status_code == 200
    assert page.text == stored.html
    assert "style-src" in page.headers["content-security-policy"]
    pdf = client.get(url, params={"format": "pdf"}, headers=supervisor_auth)
    assert pdf.content == stored.pdf
    assert pdf.headers["content-type"] == "application/pdf"
    bad = client.get(url, params={"format": "doc"}, headers=supervisor_auth)
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["format"]
    check = client.get(f"{url}/reproduction", headers=supervisor_auth)
    assert check.status_code == 200, check.text
    assert check.json()["identical"] is True
    assert client.get(f"{url}/reproduction", headers=people.auth("head")).status_code == 403
    verified = client.get(f"/api/v1/bulletins/verify/{stored.code}")
    assert verified.status_code == 200
    assert verified.json()["number"] == stored.number
    assert client.get("/api/v1/bulletins/verify/AAAAAAAAAAAAAAAA").status_code == 404
    assert client.get("/api/v1/bulletins/不存在", headers=supervisor_auth).status_code == 404
