"""Demo data for `make run`: users per role with fixed demo tokens, and a dozen cases in every
state, placed relative to today so that some are near and some past their deadline."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from approval_core.accounts import service as accounts
from approval_core.cases import service as cases
from approval_core.cases.labels import STATE_LABELS
from approval_core.cases.models import Case
from approval_core.cases.schemas import (
    ActionCommand,
    Applicant,
    LegalRepresentative,
    SubmitCommand,
)
from approval_core.cases.snapshot import store_clock, stored_clock
from approval_core.context import Actor, CoreDeps
from approval_core.errors import ConfigError
from approval_core.system.service import note_provisional
from approval_core.timeutil import LEGAL_TZ, legal_date
from approval_core.users.models import User
from approval_core.users.service import add_user, token_digest

DEPT = "LAWYER-DIV"
PLS = "PLS-DIV"  # public legal services: notaries, judicial appraisal
# (token, name, role, department): fixed so that the README and a second `make run` agree.
DEMO_USERS = (
    ("demo-admin", "系统管理员", "admin", None),
    ("demo-supervisor", "监察室 王监察", "supervisor", None),
    ("demo-policy", "法规处 赵政策", "policy", None),
    ("demo-applicant", "申请人 张三", "applicant", None),
    ("demo-clerk", "窗口 李受理", "clerk", DEPT),
    ("demo-handler", "律师处 陈承办", "handler", DEPT),
    ("demo-reviewer", "律师处 周审核", "reviewer", DEPT),
    ("demo-head", "律师处 吴处长", "head", DEPT),
    ("demo-clerk-pls", "窗口 钱受理", "clerk", PLS),
    ("demo-handler-pls", "公共法律服务处 孔承办", "handler", PLS),
    ("demo-reviewer-pls", "公共法律服务处 曹审核", "reviewer", PLS),
    ("demo-head-pls", "公共法律服务处 严处长", "head", PLS),
)


def refuse_outside_development(environment: str) -> None:
    """Demo users have published tokens (demo-admin...): development only."""
    if environment != "development":
        raise ConfigError(
            [
                f"演示数据只能在开发模式下加载（当前 SUNLIGHT_ENVIRONMENT={environment}）/ "
                "demo data loads only with SUNLIGHT_ENVIRONMENT=development: its users have "
                "published tokens such as demo-admin"
            ]
        )


def demo_users_present(session: Session) -> list[str]:
    """Active users still holding a published demo token (a production start refuses them)."""
    digests = {token_digest(token): token for token, *_ in DEMO_USERS}
    stmt = select(User.token_hash).where(
        User.token_hash.in_(digests), User.active.is_(True), User.token_revoked_at.is_(None)
    )
    return sorted(digests[h] for h in session.scalars(stmt))


@dataclass
class _Demo:
    session: Session
    core: CoreDeps
    now: datetime
    users: dict[str, Actor]
    codes: dict[str, str] = field(default_factory=dict)  # case id -> query code

    def day(self, workdays_ago: int) -> date:
        """The date `workdays_ago` working days before today (0 = today)."""
        cal = self.core.calendar
        day = legal_date(self.now)
        while workdays_ago > 0:
            day -= timedelta(days=1)
            if cal.is_workday(day):
                workdays_ago -= 1
        return day

    def at(self, workdays_ago: int, hour: int = 9) -> datetime:
        moment = datetime.combine(self.day(workdays_ago), time(hour), tzinfo=LEGAL_TZ)
        return min(moment, self.now - timedelta(minutes=10 - hour % 10))

    def file(self, item: str, who: str, when: datetime, complete: bool = True) -> str:
        """File for `who`: a person of PEOPLE or an organisation of ORGANISATIONS."""
        materials = [m.code for m in self.core.catalogue.get(item).mandatory_materials]
        command = SubmitCommand(
            item=item,
            applicant=_applicant(who),
            materials=materials if complete else materials[:-1],
            submitted_at=when,
        )
        # Recorded by the clerk (a past submission time is staff-only), owned by the demo
        # applicant so that the applicant's token lists these cases.
        department = self.core.catalogue.get(item).department
        clerk = "demo-clerk" if department == DEPT else "demo-clerk-pls"
        case, code = cases.submit(self.session, self.core, self.users[clerk], command)
        case.applicant_user_id = self.users["demo-applicant"].user_id
        self.codes[case.id] = code
        return case.id

    def do(self, case_id: str, who: str, action: str, when: datetime, **fields: Any) -> None:
        """One action, recorded when it happened: the demo is a history recorded live, not a
        backdated entry (补录 needs a reason and opens an anomaly)."""
        command = ActionCommand(action=action, at=when, **fields)
        live = replace(self.core, now=lambda: when)
        cases.act(self.session, live, self.users[who], case_id, command)

    def clocks_as_of_now(self) -> None:
        """Each case's stored clock figures as of now (recording live left them as of each
        case's last action)."""
        now = self.core.now()
        for case in self.session.scalars(select(Case)):
            clock = stored_clock(self.core, case, now)
            store_clock(case, clock, self.core.policy_version)
            if clock.provisional:
                note_provisional(self.session, self.core, clock)


# Demo applicants with identity numbers that pass their standards' checks (GB 11643, GB 32100).
PEOPLE = {
    "刘一": "360102198503150024",
    "陈二": "360103199207081010",
    "孙三": "360104197801012023",
    "周小明": "360121198812123037",
    "吴五": "360102197006304040",
    "王七": "360102199509095059",
    "褚九": "360102198302286064",
    "卫十": "360102199101017073",
    "蒋十一": "360102198605058085",
}
# name: (统一社会信用代码, legal representative, representative's identity number)
ORGANISATIONS = {
    "江西明理律师事务所": ("31360000MD0100012R", "郑明理", "360102199909099091"),
    "江西正衡律师事务所": ("31360000MD0100020L", "冯正衡", "360102198707070106"),
    "江西求真司法鉴定所": ("39360000MD0200015W", "何求真", "360102199303031113"),
    "江西明鉴司法鉴定中心": ("39360000MD0200023P", "吕明鉴", "36010219900101123X"),
}


def _applicant(who: str) -> Applicant:
    if who in ORGANISATIONS:
        code, representative, number = ORGANISATIONS[who]
        return Applicant(
            kind="organisation",
            name=who,
            credit_code=code,
            legal_representative=LegalRepresentative(name=representative, id_number=number),
            phone="0791-86123456",
        )
    return Applicant(name=who, id_number=PEOPLE[who], phone="13800000000")


def _users(session: Session, core: CoreDeps) -> dict[str, Actor]:
    known = set(core.catalogue.departments)
    actors: dict[str, Actor] = {}
    for token, name, role, department in DEMO_USERS:
        existing = session.scalars(select(User).where(User.name == name)).first()
        if existing is None:
            existing, _ = add_user(
                session,
                name=name,
                role=role,
                department=department,
                now=core.now(),
                known_departments=known,
                token=token,
                token_lifetime=None,  # development only (see refuse_outside_development)
            )
        actors[token] = Actor(existing.id, existing.name, role, department)
    return actors


def _accepted(d: _Demo, item: str, name: str, ago: int, suffix: str = "") -> str:
    """A case filed, registered and accepted `ago` working days ago, assigned the same day."""
    case_id = d.file(item, name, d.at(ago + 1, 9))
    d.do(case_id, f"demo-clerk{suffix}", "register", d.at(ago + 1, 10))
    d.do(case_id, f"demo-clerk{suffix}", "accept", d.at(ago, 9))
    d.do(
        case_id,
        f"demo-clerk{suffix}",
        "assign",
        d.at(ago, 10),
        assignee=d.users[f"demo-handler{suffix}"].user_id,
    )
    return case_id


def _cases(d: _Demo) -> None:
    lawyer, firm = "LAWYER-PRACTICE", "LAWFIRM-ESTABLISH"
    d.file(lawyer, "刘一", d.at(0, 8))
    reg = d.file(firm, "江西明理律师事务所", d.at(1, 9))
    d.do(reg, "demo-clerk", "register", d.at(1, 10))
    sup = d.file(lawyer, "陈二", d.at(3, 9), complete=False)
    d.do(sup, "demo-clerk", "register", d.at(3, 10))
    missing = [m.code for m in d.core.catalogue.get(lawyer).mandatory_materials][-1:]
    d.do(
        sup,
        "demo-clerk",
        "request_supplement",
        d.at(2, 9),
        materials=missing,
        reason="缺少必要材料，请一次性补正",
    )
    deemed = d.file(lawyer, "孙三", d.at(9, 9))
    d.do(deemed, "demo-clerk", "register", d.at(9, 10))
    acc = d.file(firm, "江西正衡律师事务所", d.at(2, 9))
    d.do(acc, "demo-clerk", "register", d.at(2, 10))
    d.do(acc, "demo-clerk", "accept", d.at(1, 9))
    _accepted(d, lawyer, "周小明", 28)
    late = _accepted(d, lawyer, "吴五", 32)
    d.do(late, "demo-handler", "handle", d.at(1, 15))
    red = _accepted(d, firm, "王七", 38)
    d.do(red, "demo-handler", "handle", d.at(6, 9))
    appraisal = "APPRAISAL-INSTITUTION-ESTABLISH"
    stop = _accepted(d, appraisal, "江西求真司法鉴定所", 12, "-pls")
    d.do(
        stop,
        "demo-handler-pls",
        "stop",
        d.at(4, 9),
        stop_type="expert_review",
        expected_days=10,
        legal_basis="《中华人民共和国行政许可法》第四十五条",
        reason="组织专家评审",
    )
    ext = _accepted(d, appraisal, "江西明鉴司法鉴定中心", 22, "-pls")
    d.do(ext, "demo-handler-pls", "extend", d.at(6, 9), days=10, reason="材料需核实")
    d.do(
        ext,
        "demo-head-pls",
        "approve_extension",
        d.at(5, 9),
        days=10,
        reason="情况复杂，依法延期",
        legal_basis="《中华人民共和国行政许可法》第四十二条",
    )
    d.do(ext, "demo-handler-pls", "handle", d.at(2, 9))
    d.do(ext, "demo-reviewer-pls", "review", d.at(1, 9))
    done = _accepted(d, lawyer, "褚九", 15)
    d.do(done, "demo-handler", "handle", d.at(8, 9))
    d.do(done, "demo-reviewer", "review", d.at(7, 9))
    d.do(
        done,
        "demo-head",
        "conclude",
        d.at(6, 9),
        decision="approved",
        decision_no="赣司律许〔2026〕101号",
    )
    rej = d.file(firm, "卫十", d.at(5, 9))
    d.do(rej, "demo-clerk", "register", d.at(5, 10))
    d.do(
        rej,
        "demo-clerk",
        "reject",
        d.at(4, 9),
        reason="申请人不具备设立条件",
        legal_basis="《中华人民共和国律师法》第十八条",
    )
    wd = d.file(lawyer, "蒋十一", d.at(4, 9))
    d.do(wd, "demo-applicant", "withdraw", d.at(3, 9), reason="申请人主动撤回")


# The demo applicant's log-in to the service hall (the account of the demo-applicant user,
# so "my cases" lists the demo cases).
DEMO_LOGIN = ("13800000000", "demo-applicant-2026")


def _portal_account(session: Session, core: CoreDeps, user_id: int | None) -> None:
    if user_id is None or accounts.account_of(session, user_id) is not None:
        return
    applicant = Applicant(name="张三", id_number="36010219900101123X", phone=DEMO_LOGIN[0])
    login, password = DEMO_LOGIN
    accounts.attach_account(
        session, core.now(), user_id, login=login, password=password, applicant=applicant
    )


def load_demo(session: Session, core: CoreDeps, *, if_empty: bool) -> list[str]:
    """Create demo users and cases; returns lines to print (tokens, tracking numbers)."""
    users = _users(session, core)
    _portal_account(session, core, users["demo-applicant"].user_id)
    existing = session.scalar(select(func.count()).select_from(Case)) or 0
    lines = ["Demo tokens (Authorization: Bearer <token>):"]
    lines += [f"  {role:<10} {token:<16} {name}" for token, name, role, _ in DEMO_USERS]
    if existing and if_empty:
        lines.append(f"{existing} cases exist already; demo cases not loaded again.")
        return lines + portal_lines()
    demo = _Demo(session, core, core.now(), users)
    _cases(demo)
    demo.clocks_as_of_now()
    session.flush()
    lines.append("Demo cases: tracking number, query code (for /api/v1/public/cases), state:")
    for case in session.scalars(select(Case).order_by(Case.submitted_at)):
        code = demo.codes.get(case.id, "?")
        state = f"{STATE_LABELS[case.state][0]} {case.state}"
        lines.append(f"  {case.tracking_no}  {code}  {state:<19} {case.applicant_name}")
    lines.append("Open http://127.0.0.1:8000/docs for the API.")
    lines += portal_lines()
    return lines


def portal_lines(base: str = "http://127.0.0.1:8000") -> list[str]:
    login, password = DEMO_LOGIN
    return [
        f"网上办事大厅 / Online service hall: {base}/",
        f"  demo applicant log-in: {login} / {password}",
    ]
