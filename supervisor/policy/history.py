"""Run a history rule test: a short case driven through the real services on a throwaway database.

The database is a fresh SQLite file built by the real migrations. One person per role is created
in the item's department; each step runs at its own moment (a frozen `now()`) through `submit` /
`act` (or the alert services), and the facts it produces are judged at once by
`process_pending`. Between steps the sweep runs at every moment the case is due (its
`next_due_at`), as a scheduler that is never late would run it, so a warning opens on the day it
is due even when no test moment falls on that day. At each `as_of` moment the case's alerts are
compared with the expectation. Steps and moments are taken in time order, a step
before a moment at the same time. A refused step ends the test (what follows would mean nothing).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from approval_core.cases import service as cases
from approval_core.cases.models import Case
from approval_core.cases.schemas import ActionCommand, Applicant, SubmitCommand
from approval_core.context import Actor, CoreDeps
from approval_core.db import make_engine, make_session_factory, transaction
from approval_core.errors import DomainError
from approval_core.migrations import upgrade
from approval_core.timeutil import LEGAL_TZ
from approval_core.users.service import DEPARTMENT_ROLES, ROLES, add_user
from supervisor.alerts import service as alerts
from supervisor.alerts.models import ACTIVE, Alert
from supervisor.policy.dual import DualSupervisor
from supervisor.policy.testcheck import LoadedTest
from supervisor.policy.testfile import AlertExpect, Check, Step
from supervisor.processing import process_pending
from supervisor.sweep import sweep

MAX_SWEEPS = 10_000  # a guard: each sweep moves the next look strictly forward


class StepRefused(Exception):
    """A step the services (or the test itself) could not carry out."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


@dataclass
class _Clock:
    moment: datetime

    def __call__(self) -> datetime:
        return self.moment


def shown(moment: datetime) -> str:
    return moment.astimezone(LEGAL_TZ).strftime("%Y-%m-%d %H:%M")


def run_history(test: LoadedTest, sup: DualSupervisor, deps: CoreDeps, database: Path) -> list[str]:
    """Failures of the history test (empty when it passes); `database` must not exist yet."""
    url = f"sqlite:///{database}"
    upgrade(url)
    engine = make_engine(url)
    try:
        return _Run(test, sup, deps, make_session_factory(engine)).run()
    finally:
        engine.dispose()


class _Run:
    def __init__(
        self,
        test: LoadedTest,
        sup: DualSupervisor,
        deps: CoreDeps,
        sessions: sessionmaker[Session],
    ) -> None:
        assert test.spec.history is not None
        self.test = test
        self.history = test.spec.history
        self.sup = sup
        self.sessions = sessions
        self.clock = _Clock(self.history.steps[0].at)
        self.deps = dataclasses.replace(deps, now=self.clock)
        self.people: dict[str, Actor] = {}
        self.case_id = ""

    def run(self) -> list[str]:
        self._add_people()
        timeline: list[tuple[datetime, int, int]] = [
            *((step.at, 0, k) for k, step in enumerate(self.history.steps)),
            *((check.at, 1, m) for m, check in enumerate(self.test.spec.as_of or ())),
        ]
        failures: list[str] = []
        for moment, kind, index in sorted(timeline):
            self._sweep_until(moment)
            if kind == 1:
                failures += self._check(index, (self.test.spec.as_of or [])[index])
                continue
            refused = self._step(index, self.history.steps[index])
            if refused:
                return [*failures, *refused]
        return failures

    def _add_people(self) -> None:
        department = self.deps.catalogue.get(self.history.item).department
        with transaction(self.sessions) as session:
            for role in ROLES:
                user, _ = add_user(
                    session,
                    name=f"{role} 测试",
                    role=role,
                    department=department if role in DEPARTMENT_ROLES else None,
                    now=self.clock(),
                    known_departments=set(self.deps.catalogue.departments),
                )
                self.people[role] = Actor(user.id, user.name, role, user.department_code)

    # --- steps --------------------------------------------------------------------------------
    def _step(self, k: int, step: Step) -> list[str]:
        self.clock.moment = step.at
        where = self.test.where("history", "steps", k)
        what = step.action or f"alert {step.alert} {step.rule}"
        try:
            with transaction(self.sessions) as session:
                self._do(session, step)
            self._judge_pending()
        except DomainError as exc:
            return [_refused(k, what, where, exc.detail_zh, exc.detail)]
        except StepRefused as exc:
            return [_refused(k, what, where, exc.zh, exc.en)]
        except ValidationError as exc:
            text = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            return [_refused(k, what, where, "字段无效", f"invalid fields: {text}")]
        return []

    def _do(self, session: Session, step: Step) -> None:
        actor = self.people[step.who]
        if step.action == "submit":
            self.case_id = self._submit(session, actor, step)
        elif step.action is not None:
            cases.act(session, self.deps, actor, self.case_id, self._command(step))
        else:
            self._alert_action(session, actor, step)

    def _submit(self, session: Session, actor: Actor, step: Step) -> str:
        item = self.deps.catalogue.get(self.history.item)
        mandatory = [m.code for m in item.mandatory_materials]
        command = SubmitCommand(
            item=item.code,
            applicant=Applicant(name="测试申请人", id_number="36010219900101123X"),
            materials=mandatory if step.materials is None else step.materials,
        )
        case, _ = cases.submit(session, self.deps, actor, command)
        return case.id

    def _command(self, step: Step) -> ActionCommand:
        assignee = self.people[step.assignee].user_id if step.assignee is not None else None
        amount = Decimal(str(step.amount)) if step.amount is not None else None
        return ActionCommand(
            action=step.action,
            reason=step.reason,
            legal_basis=step.legal_basis,
            materials=step.materials,
            stop_type=step.stop_type,
            expected_days=step.expected_days,
            days=step.days,
            amount=amount,
            fee_code=step.fee_code,
            decision=step.decision,
            decision_no=step.decision_no,
            to_step=step.to_step,
            assignee=assignee,
            documents=step.documents,
        )

    def _alert_action(self, session: Session, actor: Actor, step: Step) -> None:
        stmt = select(Alert).where(
            Alert.case_id == self.case_id,
            Alert.rule_id == step.rule,
            Alert.status.in_(ACTIVE),
        )
        alert = session.scalars(stmt.order_by(Alert.id.desc())).first()
        if alert is None:
            raise StepRefused(
                f"案件没有有效的 {step.rule} 告警", f"the case has no active {step.rule} alert"
            )
        now = self.clock()
        if step.alert == "acknowledge":
            alerts.acknowledge(session, actor, alert.id, now)
        elif step.alert == "respond":
            alerts.respond(session, actor, alert.id, step.text or "已回告（测试）", now)
        else:
            alerts.remove(session, actor, alert.id, step.text or "摘牌（测试）", now)

    def _sweep_until(self, moment: datetime) -> None:
        """Sweep at each moment the case falls due before `moment` (a punctual scheduler)."""
        for _ in range(MAX_SWEEPS):
            with self.sessions() as session:
                due = session.scalar(select(func.min(Case.next_due_at)))
            if due is None or due > moment:
                return
            self.clock.moment = due
            self._judge_pending()
            sweep(self.sessions, self.deps, self.sup, due)
        raise RuntimeError(f"the case stays due before {moment}: next_due_at does not advance")

    def _judge_pending(self) -> None:
        with transaction(self.sessions) as session:
            process_pending(session, self.deps, self.sup)

    # --- as-of moments ------------------------------------------------------------------------
    def _check(self, m: int, check: Check) -> list[str]:
        self.clock.moment = check.at
        self._judge_pending()
        sweep(self.sessions, self.deps, self.sup, check.at)  # the moment itself, due or not
        with self.sessions() as session:
            rows = session.scalars(select(Alert).where(Alert.case_id == self.case_id)).all()
            found = [(a.rule_id, a.level, a.status) for a in rows]
        problems = compare_alerts(check, found)
        if not problems:
            return []
        where = self.test.where("as_of", m)
        head = f"as_of {shown(check.at)}（{where}）"
        got = ", ".join(f"{rule}({status})" for rule, _, status in found) or "无 / none"
        return [head, *(f"  {p}" for p in problems), f"  实际告警 / alerts of the case: {got}"]


Found = Sequence[tuple[str, str, str]]  # (rule id, level, status) of each alert of the case


def compare_alerts(check: Check, found: Found) -> list[str]:
    """What differs between the expectation of `check` and the alerts found."""
    problems: list[str] = []
    expected = list(check.alerts or ())
    for entry in expected:
        if not any(_matches(entry, alert) for alert in found):
            problems.append(f"缺少 / missing: {_described(entry)}")
    if check.alerts is not None:
        for rule, _, status in found:
            listed = any(e.rule == rule and (e.status or status) == status for e in expected)
            if status in ACTIVE and not listed:
                problems.append(f"多余 / unexpected: {rule}({status})")
    for rule, _, status in found:
        if rule in (check.absent or ()) and status in ACTIVE:
            problems.append(f"不应有 / must not be active: {rule}({status})")
    return problems


def _matches(entry: AlertExpect, alert: tuple[str, str, str]) -> bool:
    rule, level, status = alert
    wanted: Callable[[str], bool] = (
        (lambda s: s in ACTIVE) if entry.status is None else (lambda s: s == entry.status)
    )
    return rule == entry.rule and entry.level in (None, level) and wanted(status)


def _described(entry: AlertExpect) -> str:
    details = [d for d in (entry.level, entry.status or "有效 / active") if d]
    return f"{entry.rule}({', '.join(details)})"


def _refused(k: int, what: str, where: str, zh: str, en: str) -> str:
    return f"第 {k + 1} 步 {what} 被拒绝（{where}）：{zh} / step {k + 1} ({what}) refused: {en}"
