"""`sunlight records verify`: every case's records against their chain, and the case row
against its records (chain head, record count, the state the records replay to).

The chain alone cannot show a deleted last record (what is left is a valid, shorter chain) nor
an edited case row (the row is not chained). The row's chain head (last seq and hash) and
record count pin the end of the chain; replaying the records gives the state the row must hold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from approval_core.cases.models import Case
from approval_core.cases.replay import replay
from approval_core.db import read_only
from approval_core.errors import DomainError
from approval_core.records.models import CaseRecord
from approval_core.records.service import verify_chain

PAGE = 500  # cases read and checked at a time (memory stays bounded on any database size)


@dataclass(frozen=True)
class Finding:
    """One thing wrong, named: the case (tracking number), the record (None: the case row)."""

    case_id: str
    tracking_no: str | None
    seq: int | None
    problem: str
    problem_zh: str

    def line(self) -> str:
        where = f"record {self.seq}" if self.seq is not None else "case row"
        case = f"{self.tracking_no or '(no case row)'} (case {self.case_id})"
        return f"BREAK {case} {where}: {self.problem} / {self.problem_zh}"


@dataclass
class Verification:
    cases: int = 0
    records: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def broken_cases(self) -> int:
        return len({f.case_id for f in self.findings})

    def summary(self) -> str:
        return (
            f"{self.cases} cases and {self.records} records checked, "
            f"{len(self.findings)} breaks in {self.broken_cases} cases"
        )


# Makes a finding on one case from (seq or None for the case row, English, Chinese).
_Make = Callable[[int | None, str, str], Finding]


def verify_records(session: Session, key: str) -> Verification:
    """Check every case and every record; nothing is written."""
    read_only(session)
    result = Verification()
    for page in _case_pages(session):
        by_case: dict[str, list[CaseRecord]] = {case.id: [] for case in page}
        stmt = (
            select(CaseRecord)
            .where(CaseRecord.case_id.in_(list(by_case)))
            .order_by(CaseRecord.case_id, CaseRecord.seq)
        )
        for record in session.scalars(stmt):
            by_case[record.case_id].append(record)
        for case in page:
            result.cases += 1
            result.records += len(by_case[case.id])
            result.findings.extend(verify_case(case, by_case[case.id], key))
        session.expunge_all()  # the checked page is not needed any more
    result.findings.extend(_orphans(session, result))
    return result


def verify_case(case: Case, records: Sequence[CaseRecord], key: str) -> list[Finding]:
    """Everything wrong with one case: its chain, its chain head, its count, its state."""

    def finding(seq: int | None, problem: str, problem_zh: str) -> Finding:
        return Finding(case.id, case.tracking_no, seq, problem, problem_zh)

    out = [finding(b.seq, b.problem, b.problem_zh) for b in verify_chain(records, key)]
    out.extend(_head_findings(case, records, finding))
    if case.record_count != len(records):
        out.append(
            finding(
                None,
                f"the case row counts {case.record_count} records, {len(records)} are stored",
                f"案件记录数为 {case.record_count}，实存记录 {len(records)} 条",
            )
        )
    out.extend(_replay_findings(case, records, finding))
    return out


def _head_findings(case: Case, records: Sequence[CaseRecord], finding: _Make) -> list[Finding]:
    last_seq, last_hash = (records[-1].seq, records[-1].hash) if records else (0, None)
    if case.chain_seq == last_seq and case.chain_hash == last_hash:
        return []
    if case.chain_seq > last_seq:
        return [
            finding(
                None,
                f"the chain head on the case row is record {case.chain_seq} but the last record "
                f"is {last_seq}: record(s) {last_seq + 1}-{case.chain_seq} are missing",
                f"案件链头为第 {case.chain_seq} 条记录，最后一条记录却是第 {last_seq} 条："
                f"第 {last_seq + 1}-{case.chain_seq} 条记录缺失",
            )
        ]
    return [
        finding(
            None,
            f"the chain head on the case row (record {case.chain_seq}, hash "
            f"{case.chain_hash[:12]}…) is not the last record (record {last_seq}, hash "
            f"{(last_hash or '')[:12]}…)",
            f"案件链头（第 {case.chain_seq} 条）与最后一条记录（第 {last_seq} 条）不符",
        )
    ]


def _replay_findings(case: Case, records: Sequence[CaseRecord], finding: _Make) -> list[Finding]:
    """The row's workflow columns against what the records replay to."""
    try:
        replayed = replay(records)
    except (DomainError, ValueError, TypeError, KeyError) as exc:  # tampered records
        zh = exc.detail_zh if isinstance(exc, DomainError) else str(exc)
        return [finding(None, f"the records do not replay: {exc}", f"记录无法重放：{zh}")]
    out = [finding(None, m, f"重放与记录不符：{m}") for m in replayed.mismatches]
    for column, value in replayed.row_fields().items():
        stored = getattr(case, column)
        if stored != value:
            out.append(
                finding(
                    None,
                    f"the case row's {column} is {stored!r}, the records replay to {value!r}",
                    f"案件的 {column} 为 {stored!r}，而记录重放结果为 {value!r}",
                )
            )
    return out


def _case_pages(session: Session) -> Iterator[list[Case]]:
    after = ""
    while True:
        stmt = select(Case).where(Case.id > after).order_by(Case.id).limit(PAGE)
        page = list(session.scalars(stmt))
        if not page:
            return
        yield page
        after = page[-1].id


def _orphans(session: Session, result: Verification) -> list[Finding]:
    """Records whose case row is gone (possible only with foreign keys switched off)."""
    stmt = (
        select(CaseRecord.case_id, CaseRecord.seq)
        .where(~select(Case.id).where(Case.id == CaseRecord.case_id).exists())
        .order_by(CaseRecord.case_id, CaseRecord.seq)
    )
    rows = session.execute(stmt).all()
    result.records += len(rows)
    return [
        Finding(case_id, None, seq, "the record's case row is missing", "记录所属的案件不存在")
        for case_id, seq in rows
    ]
