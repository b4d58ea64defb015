"""我的办件 and 进度查询 over HTTP: the applicant's own cases only, a case's steps and clock as the
API computes them, documents, the anonymous query with its rate limit, 好差评 once after
conclusion, and complaints."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.demo import DEMO_LOGIN, load_demo
from approval_core.aftercare.models import Complaint, Rating
from approval_core.cases import queries
from approval_core.context import CoreDeps
from tests.conftest import ApplicantLogin, FrozenClock, People
from tests.portal.casework import Cases, account_cases, another_account, give, stopped_case
from tests.portal.support import csrf_of, log_in
from tests.receipts.support import DECISION, STOP
from tests.support import bj

NOW = bj(2026, 3, 20, 9)  # where tests.receipts.support leaves the clock


@pytest.fixture
def cases(
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    applicant_account: ApplicantLogin,
) -> Cases:
    return account_cases(sessions, core, people, clock, applicant_account)


@pytest.fixture
def browser(
    client: TestClient, applicant_account: ApplicantLogin, clock: FrozenClock
) -> TestClient:
    """The test client logged in as the account, at the cases' moment (2026-03-20 09:00)."""
    clock.set(NOW)
    log_in(client, applicant_account.login, applicant_account.password)
    return client


def text_of(page: str) -> str:
    """The page's text with tags dropped and spaces squeezed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def figure(page: str, label: str) -> str:
    """The value shown after a label of a fact list (<dt>label</dt><dd>value</dd>)."""
    found = re.search(rf"<dt>{label}</dt><dd[^>]*>(.*?)</dd>", page, re.S)
    assert found is not None, f"no figure {label}"
    return text_of(found.group(1)).strip()


def test_my_cases_lists_the_accounts_cases_with_what_they_ask(
    browser: TestClient, cases: Cases
) -> None:
    page = browser.get("/my/cases")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    shown = text_of(page.text)
    assert cases.concluded.tracking_no in shown
    assert cases.supplementing.tracking_no in shown
    assert cases.foreign.tracking_no not in shown
    assert "共 2 件" in shown
    assert "司法鉴定人执业登记" in shown  # the item by name, not its code
    assert "已办结" in shown
    assert "补正中" in shown
    assert "2026-03-02" in shown  # submitted on
    assert f'href="/my/cases/{cases.supplementing.case_id}/supplement"' in page.text
    assert f'href="/my/cases/{cases.concluded.case_id}/rating"' in page.text
    assert page.text.count("待您办理") == 2


def test_logging_in_is_required(client: TestClient) -> None:
    answer = client.get("/my/cases", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/account/login?next=%2Fmy%2Fcases"


def test_the_case_page_shows_the_steps_and_the_clock_of_the_api(
    browser: TestClient,
    cases: Cases,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    applicant_account: ApplicantLogin,
) -> None:
    page = browser.get(f"/my/cases/{cases.concluded.case_id}")
    assert page.status_code == 200
    shown = text_of(page.text)
    for step in ("申报", "通知补正", "受理", "进入特别程序", "批准延期", "作出决定"):
        assert step in shown
    assert "缺少职业资格证明和身份证明" in shown  # the supplement notice's reason
    assert DECISION["legal_basis"] in shown
    assert DECISION["decision_no"] in shown
    assert "other_clerk" not in shown
    assert "测试" not in shown
    assert "专家评审" in shown
    assert str(STOP["reason"]) in shown
    assert "案情复杂，需补充专家意见" in shown  # the extension's reason
    with sessions() as session:
        api = queries.view_case(
            session, core, applicant_account.actor, cases.concluded.case_id, None
        )
    clock = api["clock"]
    assert figure(page.text, "法定办理时限") == f"{clock['limit']} 个工作日"
    assert figure(page.text, "依法延长") == f"{clock['extension']} 个工作日"
    assert figure(page.text, "已用") == f"{clock['elapsed']} 个工作日"
    assert figure(page.text, "中止计时") == f"{clock['stopped']} 个工作日"
    assert figure(page.text, "办结期限") == clock["due_date"]
    assert figure(page.text, "视为受理") == "否"
    assert "剩余" not in shown  # a concluded case has no days remaining
    for kind in ("receipt_of_materials", "supplement_notice", "acceptance", "decision"):
        assert f"/my/cases/{cases.concluded.case_id}/documents/{kind}?format=pdf" in page.text


def test_a_running_clock_shows_its_remaining_days_as_the_api(
    browser: TestClient,
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    applicant_account: ApplicantLogin,
) -> None:
    clock.set(bj(2026, 3, 20, 9))
    walked = stopped_case(sessions, core, people)
    give(sessions, walked.case_id, applicant_account.actor)
    clock.set(bj(2026, 3, 24, 15))
    log_in(browser, applicant_account.login, applicant_account.password)  # a new day
    page = browser.get(f"/my/cases/{walked.case_id}")
    with sessions() as session:
        api = queries.view_case(session, core, applicant_account.actor, walked.case_id, None)
    figures = api["clock"]
    assert figure(page.text, "剩余") == f"{figures['remaining']} 个工作日"
    assert figure(page.text, "已用") == f"{figures['elapsed']} 个工作日"
    assert figure(page.text, "中止计时") == f"{figures['stopped']} 个工作日"
    assert figure(page.text, "办结期限") == figures["due_date"]
    assert figure(page.text, "计时状态") == "中止中"
    shown = text_of(page.text)
    assert "2026-03-13 至 今" in shown  # the open stop
    assert "截至 2026-03-24 15:00" in shown


def test_another_applicants_case_is_not_found(
    browser: TestClient, cases: Cases, sessions: sessionmaker[Session], core: CoreDeps
) -> None:
    stranger = another_account(sessions, core)
    give(sessions, cases.foreign.case_id, stranger.actor)
    target = cases.foreign.case_id
    for path in ("", "/rating", "/complaint", "/documents/receipt_of_materials"):
        answer = browser.get(f"/my/cases/{target}{path}")
        assert answer.status_code == 404, path
        assert answer.headers["content-type"].startswith("text/html")
        assert "案件不存在" in answer.text
        assert cases.foreign.tracking_no not in answer.text
    form = {"csrf_token": csrf_of(browser.get("/progress").text), "level": "满意"}
    assert browser.post(f"/my/cases/{target}/rating", data=form).status_code == 404
    form |= {"complainant": "赵申请", "content": "试图投诉他人的案件"}
    assert browser.post(f"/my/cases/{target}/complaint", data=form).status_code == 404
    with sessions() as session:
        assert session.scalars(select(Rating)).all() == []
        assert session.scalars(select(Complaint)).all() == []


def test_documents_are_served_to_their_owner(browser: TestClient, cases: Cases) -> None:
    base = f"/my/cases/{cases.concluded.case_id}/documents"
    pdf = browser.get(f"{base}/decision?format=pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("attachment;")
    assert pdf.content.startswith(b"%PDF")
    printable = browser.get(f"{base}/acceptance?format=html")
    assert printable.status_code == 200
    assert "受理决定书" in printable.text
    missing = browser.get(f"{base}/rejection")
    assert missing.status_code == 404
    assert "该案件尚未出具不予受理告知书" in missing.text


def test_the_progress_query_with_the_right_and_a_wrong_code(
    client: TestClient, cases: Cases
) -> None:
    form_page = client.get("/progress")
    assert form_page.status_code == 200
    assert '<label for="f-tracking_no">受理编号' in form_page.text
    assert '<label for="f-code">查询码' in form_page.text
    token = csrf_of(form_page.text)
    walked = cases.concluded
    right = {
        "csrf_token": token,
        "tracking_no": f" {walked.tracking_no} ",
        "code": walked.query_code,
    }
    answer = client.post("/progress", data=right)
    assert answer.status_code == 200
    shown = text_of(answer.text)
    assert walked.tracking_no in shown
    assert "已办结" in shown
    assert "作出决定" in shown
    assert DECISION["legal_basis"] in shown
    assert "专家评审" in shown
    assert "监督电话：0791-00000100" in shown  # whom to call about it
    assert f"/api/v1/public/cases/{walked.tracking_no}/receipts/decision?code=" in answer.text
    wrong = client.post("/progress", data={**right, "code": "WRONG-CODE"})
    assert wrong.status_code == 404
    assert "没有与该受理编号和查询码对应的案件，请核对后重试" in wrong.text
    assert walked.tracking_no in wrong.text  # kept in the form
    assert "WRONG-CODE" not in wrong.text  # the code is never echoed
    english = client.post("/progress?lang=en", data={**right, "code": "WRONG-CODE"})
    assert english.status_code == 404
    assert "no case has this tracking number and query code" in english.text
    assert client.post("/progress", data={"tracking_no": walked.tracking_no}).status_code == 403
    for bad in ({"code": ""}, {"code": "A\x00"}, {"tracking_no": "SL\x00"}):
        refused = client.post("/progress?lang=zh", data={**right, **bad})
        assert refused.status_code == 422, bad
        assert "请按凭证上印的内容填写受理编号和查询码" in refused.text


def test_the_progress_page_shares_the_apis_rate_limit(client: TestClient, cases: Cases) -> None:
    """10 failed look-ups per minute per client, counted for the page and the API alike."""
    token = csrf_of(client.get("/progress").text)
    wrong = {"csrf_token": token, "tracking_no": cases.concluded.tracking_no, "code": "nope"}
    for _ in range(9):
        assert client.post("/progress", data=wrong).status_code == 404
    number = cases.concluded.tracking_no
    assert client.get(f"/api/v1/public/cases/{number}?code=nope").status_code == 404
    refused = client.post("/progress", data=wrong)
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("text/html")
    assert "查询失败次数过多" in refused.text
    assert "retry-after" in refused.headers
    right = {**wrong, "code": cases.concluded.query_code}
    assert client.post("/progress", data=right).status_code == 429  # even the right code


def test_rating_before_conclusion_is_refused_with_a_reason(
    browser: TestClient, cases: Cases, sessions: sessionmaker[Session]
) -> None:
    target = cases.supplementing.case_id
    page = browser.get(f"/my/cases/{target}/rating")
    assert page.status_code == 200
    assert "办结后才能评价" in page.text
    assert 'name="level"' not in page.text  # no form to send
    form = {"csrf_token": csrf_of(page.text), "level": "满意"}
    refused = browser.post(f"/my/cases/{target}/rating", data=form)
    assert refused.status_code == 409
    assert "办结后才能评价" in refused.text
    with sessions() as session:
        assert session.scalars(select(Rating)).all() == []


def test_a_concluded_case_is_rated_once(
    browser: TestClient, cases: Cases, sessions: sessionmaker[Session]
) -> None:
    target = cases.concluded.case_id
    page = browser.get(f"/my/cases/{target}/rating")
    for level in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
        assert f'value="{level}"' in page.text
    form = {"csrf_token": csrf_of(page.text), "level": "很好", "comment": "快"}
    bad = browser.post(f"/my/cases/{target}/rating", data=form)
    assert bad.status_code == 422
    assert "请选择评价等级" in bad.text
    assert ">快</textarea>" in bad.text  # what was typed is kept
    form["level"] = "非常满意"
    sent = browser.post(f"/my/cases/{target}/rating", data=form, follow_redirects=False)
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/my/cases/{target}?done=rated#rating"
    case_page = browser.get(sent.headers["location"])
    assert "感谢您的评价" in case_page.text
    assert "非常满意" in text_of(case_page.text)
    again = browser.post(f"/my/cases/{target}/rating", data={**form, "level": "不满意"})
    assert again.status_code == 409
    assert "该案件已评价，不能重复评价" in again.text
    with sessions() as session:
        ratings = session.scalars(select(Rating)).all()
        assert [(r.case_id, r.level, r.comment) for r in ratings] == [(target, "非常满意", "快")]
    listing = browser.get("/my/cases")
    assert f'href="/my/cases/{target}/rating"' not in listing.text  # nothing more to rate


def test_a_negative_rating_opens_the_departments_follow_up(
    browser: TestClient, cases: Cases, people: People
) -> None:
    """The page rates through the API's function, supervision included (好差评 → 整改回访)."""
    target = cases.concluded.case_id
    token = csrf_of(browser.get(f"/my/cases/{target}/rating").text)
    form = {"csrf_token": token, "level": "不满意", "comment": "等待太久"}
    sent = browser.post(f"/my/cases/{target}/rating", data=form, follow_redirects=False)
    assert sent.status_code == 303
    alerts = browser.get(
        "/api/v1/alerts", params={"case_id": target}, headers=people.auth("supervisor")
    ).json()
    assert [a["rule_id"] for a in alerts if a["rule_id"].startswith("POST-")] == [
        "POST-RATING-NEGATIVE"
    ]


def test_a_complaint_is_filed_and_shown_on_the_case(
    browser: TestClient, cases: Cases, sessions: sessionmaker[Session], people: People
) -> None:
    target = cases.supplementing.case_id
    page = browser.get(f"/my/cases/{target}/complaint")
    assert page.status_code == 200
    assert 'value="赵申请"' in page.text
    assert 'value="13912345678"' in page.text
    form = {"csrf_token": csrf_of(page.text), "complainant": "赵申请", "content": "  "}
    empty = browser.post(f"/my/cases/{target}/complaint", data=form)
    assert empty.status_code == 422
    assert "请填写投诉内容" in empty.text
    form |= {"contact": "13912345678", "content": "补正通知未说明缺少的材料格式 <b>"}
    sent = browser.post(f"/my/cases/{target}/complaint", data=form, follow_redirects=False)
    assert sent.status_code == 303
    shown = browser.get(sent.headers["location"])
    assert "投诉已提交" in shown.text
    assert "补正通知未说明缺少的材料格式 &lt;b&gt;" in shown.text
    assert "已登记，待受理" in shown.text
    with sessions() as session:
        complaint = session.scalars(select(Complaint)).one()
        assert complaint.case_id == target
        assert complaint.channel == "online"
        assert complaint.department_code == people.other_department
        assert complaint.steps[0]["role"] == "applicant"
    # the department sees it in its complaints, as one filed through the API
    listed = browser.get("/api/v1/complaints", headers=people.auth("other_clerk")).json()
    assert [(c["case_id"], c["channel"]) for c in listed] == [(target, "online")]


def test_the_case_page_in_english(browser: TestClient, cases: Cases) -> None:
    page = browser.get(f"/my/cases/{cases.supplementing.case_id}?lang=en")
    assert page.status_code == 200
    shown = text_of(page.text)
    assert "Action needed" in shown
    assert "Supply the materials" in shown
    assert "awaiting supplementary materials" in shown
    assert "Statutory limit" in shown


def test_every_demo_case_has_its_page(
    client: TestClient, sessions: sessionmaker[Session], core: CoreDeps
) -> None:
    """The demo applicant's cases cover every state the demo makes (rejected, withdrawn,
    stopped, extended, concluded...): each has a page with its steps and clock."""
    with sessions() as session, session.begin():
        load_demo(session, core, if_empty=False)
    log_in(client, *DEMO_LOGIN)
    listing = client.get("/my/cases")
    assert listing.status_code == 200
    ids = re.findall(r'<h2><a href="/my/cases/([0-9a-f-]+)">', listing.text)
    assert len(ids) >= 5
    states = set()
    for case_id in ids:
        page = client.get(f"/my/cases/{case_id}")
        assert page.status_code == 200, case_id
        assert "办理过程" in page.text
        assert '<p class="when"><time datetime=' in page.text  # at least the filing
        states.add(figure(page.text, "当前状态"))
    assert {"已办结", "不予受理", "已撤回"} <= states
