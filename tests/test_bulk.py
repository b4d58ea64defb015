"""The bulk writer stores exactly what SQLAlchemy's own executemany stores (SQLite and PostgreSQL).

Compared on the raw stored values (text of timestamps and JSON as the database holds them), so
a difference in formatting, which would break comparisons such as `next_due_at <= :as_of`,
fails here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Table, bindparam, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from approval_core.bulk import execute_many, insert_many
from supervisor.alerts.models import Alert

ALERTS = Table("alerts", Alert.metadata)
SET_STATUS = (
    update(ALERTS)
    .where(ALERTS.c.id == bindparam("b_id"))
    .values(status=bindparam("b_status"), updated_at=bindparam("b_at"))
)


def _rows(prefix: str, now: datetime) -> list[dict[str, object]]:
    fact = {"item": "LAWYER-PRACTICE", "item_name": "律师执业许可", "overdue": 2, "ok": True}
    concerns = ["handler", "head"]
    return [
        {
            "cause": f"{prefix}|{n}",
            "subject": str(n),
            "version": 1,
            "rule_id": "TIME-YELLOW",
            "ruleset_version": "v1",
            "level": "yellow",
            "status": "open",
            "case_id": f"case-{n}",
            "item_code": "LAWYER-PRACTICE",
            "department_code": "LAWYER-DIV" if n % 2 else None,
            "responsible_user_id": n if n % 3 else None,
            "concerns": concerns,  # shared by every row, as the Judge shares it
            "legal_basis": "《行政许可法》第四十二条",
            "title_zh": "超期黄牌",
            "title_en": "Yellow card",
            "message_zh": f"已超期 {n} 个工作日",
            "message_en": f"overdue by {n} working days",
            "response_days": 3,
            "fact": fact if n % 2 else {**fact, "overdue": n},
            "opened_at": now if n % 2 else now + timedelta(microseconds=n),
            "updated_at": now,
            "resolved_at": None,
        }
        for n in range(7)
    ]


def _stored(session: Session, prefix: str) -> list[tuple[object, ...]]:
    columns = "cause, concerns, fact, opened_at, updated_at, resolved_at, department_code"
    sql = text(f"SELECT {columns} FROM alerts WHERE cause LIKE :p ORDER BY cause")
    return [tuple(row) for row in session.execute(sql, {"p": f"{prefix}|%"})]


def test_insert_many_stores_what_sqlalchemy_stores(sessions: sessionmaker[Session]) -> None:
    now = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)  # microsecond 0: the formatting trap
    with sessions() as session, session.begin():
        session.execute(insert(ALERTS), _rows("sa", now))
        insert_many(session, ALERTS, _rows("bulk", now))
    with sessions() as session:
        ours = _stored(session, "bulk")
        theirs = _stored(session, "sa")
        assert len(ours) == 7
        assert [row[1:] for row in ours] == [row[1:] for row in theirs]
        # and the ORM reads them back as aware timestamps and JSON
        alert = session.scalars(select(Alert).where(Alert.cause == "bulk|4")).one()
        assert alert.opened_at == now + timedelta(microseconds=4)
        assert alert.fact["overdue"] == 4
        assert alert.concerns == ["handler", "head"]
        due = session.scalars(select(Alert.cause).where(Alert.opened_at <= now)).all()
        expected = {f"{prefix}|{n}" for prefix in ("sa", "bulk") for n in (0, 1, 3, 5)}
        assert set(due) == expected


def test_execute_many_updates_by_bound_parameters(sessions: sessionmaker[Session]) -> None:
    now = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)
    with sessions() as session, session.begin():
        insert_many(session, ALERTS, _rows("u", now))
    with sessions() as session, session.begin():
        ids = session.scalars(select(Alert.id).where(Alert.cause.like("u|%"))).all()
        later = now + timedelta(days=1)
        execute_many(
            session, SET_STATUS, [{"b_id": i, "b_status": "resolved", "b_at": later} for i in ids]
        )
    with sessions() as session:
        rows = session.execute(select(Alert.status, Alert.updated_at).where(Alert.id.in_(ids)))
        assert {tuple(r) for r in rows} == {("resolved", now + timedelta(days=1))}


def test_rows_must_give_every_column_the_statement_names(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session, session.begin():
        with pytest.raises(ValueError, match="b_at"):
            execute_many(session, SET_STATUS, [{"b_id": 1, "b_status": "open"}])


def test_a_duplicate_fails_as_an_insert_would(sessions: sessionmaker[Session]) -> None:
    now = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)
    with sessions() as session, session.begin():
        insert_many(session, ALERTS, _rows("dup", now)[:2])
    with sessions() as session:
        with pytest.raises(IntegrityError):
            insert_many(session, ALERTS, _rows("dup", now)[1:3])
        session.rollback()
        assert session.scalar(select(func.count()).where(Alert.cause.like("dup|%"))) == 2
