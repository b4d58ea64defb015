"""`sunlight evaluate` and `GET /api/v1/evaluations`: the known history's scores (worked out in
test_scoring.py) as JSON, CSV and a text table, the same from both; who may see them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.cli import main
from approval_core.context import CoreDeps
from tests.conftest import FrozenClock, People
from tests.evaluation.test_scoring import LAWYER_DIV, PLS_DIV
from tests.evaluation.test_supervision_figures import recorded

QUERY = {"period": "2026-Q3", "by": "department", "as_of": "2026-12-01T12:00:00+08:00"}
CLI = ["evaluate", "--period", "2026-Q3", "--by", "department", "--as-of", "2026-12-01T12:00"]


def summary(units: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(u["key"], u["score"], u["grade"], u["rank"]) for u in units]


def contributions(unit: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    return {i["code"]: (i["value"], i["points"], i["contribution"]) for i in unit["indicators"]}


EXPECTED = [("PLS-DIV", 73.69, "合格", 1), ("LAWYER-DIV", 32.83, "不合格", 2)]


def test_api_formats_and_access(
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    client: TestClient,
) -> None:
    recorded(sessions, core, people, clock)
    answer = client.get("/api/v1/evaluations", params=QUERY, headers=people.auth("supervisor"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["from"], body["to"], body["by"]) == ("2026-07-01", "2026-09-30", "department")
    assert summary(body["units"]) == EXPECTED
    assert contributions(body["units"][0]) == PLS_DIV
    assert contributions(body["units"][1]) == LAWYER_DIV
    assert body["units"][1]["figures"]["late"] == 1
    assert [i["code"] for i in body["indicators"]][:2] == ["ON-TIME", "EARLY"]
    assert body["grades"][2] == {"grade": "合格", "grade_en": "pass", "min_score": 60.0}

    # from/to instead of a period: the same report.
    dates = {"from": "2026-07-01", "to": "2026-09-30", "by": "department", "as_of": QUERY["as_of"]}
    same = client.get("/api/v1/evaluations", params=dates, headers=people.auth("policy"))
    assert summary(same.json()["units"]) == EXPECTED

    as_csv = client.get(
        "/api/v1/evaluations", params={**QUERY, "format": "csv"}, headers=people.auth("admin")
    )
    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in as_csv.headers["content-disposition"]
    assert as_csv.content.startswith("\ufeff".encode())  # spreadsheets read the UTF-8 as such
    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert len(rows) == 2 * 10  # a row per unit and indicator
    lawyer_on_time = next(
        r for r in rows if (r["key"], r["indicator"]) == ("LAWYER-DIV", "ON-TIME")
    )
    assert (lawyer_on_time["score"], lawyer_on_time["grade"]) == ("32.83", "不合格")
    assert (lawyer_on_time["points"], lawyer_on_time["contribution"]) == ("33.33", "10.0")

    table = client.get(
        "/api/v1/evaluations", params={**QUERY, "format": "table"}, headers=people.auth("admin")
    )
    assert table.headers["content-type"] == "text/plain; charset=utf-8"
    assert "LAWYER-DIV\t律师工作管理处\t32.83\t不合格 / fail" in table.text

    # A head sees their own department only.
    head = client.get("/api/v1/evaluations", params=QUERY, headers=people.auth("head"))
    assert head.status_code == 200, head.text
    assert [u["key"] for u in head.json()["units"]] == [people.department]
    other = {**QUERY, "department": people.other_department}
    assert (
        client.get("/api/v1/evaluations", params=other, headers=people.auth("head")).status_code
        == 403
    )
    handler = client.get("/api/v1/evaluations", params=QUERY, headers=people.auth("handler"))
    assert handler.status_code == 403
    assert handler.headers["content-type"].startswith("application/problem+json")


def test_api_bad_input_names_the_field(client: TestClient, people: People) -> None:
    auth = people.auth("supervisor")
    for params, field in (
        ({**QUERY, "format": "xml"}, "format"),
        ({**QUERY, "period": "2026-Q5"}, "period"),
        ({**QUERY, "by": "item"}, "by"),
        ({"by": "department"}, "period"),
        ({"from": "2026-07-01", "by": "department"}, "to"),
        ({**QUERY, "from": "2026-07-01"}, "period"),
    ):
        answer = client.get("/api/v1/evaluations", params=params, headers=auth)
        assert answer.status_code == 422, (params, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in answer.json()["errors"]] == [field], params


def test_cli_formats(
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    cli_env: CliRunner,
    tmp_path: Path,
) -> None:
    recorded(sessions, core, people, clock)
    as_json = cli_env.invoke(main, [*CLI, "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    document = json.loads(as_json.output)
    assert summary(document["units"]) == EXPECTED
    assert contributions(document["units"][1]) == LAWYER_DIV

    table = cli_env.invoke(main, CLI)
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert lines[0].startswith("绩效评估 / evaluation 2026-07-01 – 2026-09-30")
    assert lines[3] == "1\tPLS-DIV\t公共法律服务管理处\t73.69\t合格 / pass"
    assert any(
        line.startswith("ON-TIME 按时办结率\ton_time_rate\t80\t33.33\t30%\t10\t") for line in lines
    ), lines

    as_csv = cli_env.invoke(main, [*CLI, "--format", "csv"])
    assert as_csv.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(io.StringIO(as_csv.output.lstrip("\ufeff"))))
    assert {(r["key"], r["grade"]) for r in rows} == {("PLS-DIV", "合格"), ("LAWYER-DIV", "不合格")}

    target = tmp_path / "q3.csv"
    written = cli_env.invoke(main, [*CLI, "--format", "csv", "-o", str(target)])
    assert written.exit_code == 0, written.output
    assert target.read_bytes() == as_csv.stdout_bytes

    refused = cli_env.invoke(main, [*CLI[:-2], "--by", "item"])
    assert refused.exit_code == 2
    assert "不评定 item" in refused.output
    # The statistics subcommand is still there.
    figures = cli_env.invoke(main, ["evaluate", "statistics", "--period", "2026-Q3"])
    assert figures.exit_code == 0, figures.output
