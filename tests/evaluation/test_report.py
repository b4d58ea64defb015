"""The evaluation report as HTML and PDF: the known history of tests/evaluation/test_statistics.py
(Q3 2026: LAWYER-DIV on time 4, late 1; PLS-DIV on time 1), its monthly trend worked out by hand,
alerts opened by the real judging, ratings given by applicants; a table per unit, the charts as
inline SVG and drawn in the PDF (its text read back with pdftotext), every indicator explained
in Chinese and English."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from html import escape
from pathlib import Path
from xml.etree import ElementTree

from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.cli import main
from approval_core.aftercare.remedies import rate
from approval_core.aftercare.schemas import RatingIn
from approval_core.cases.models import Case
from approval_core.context import CoreDeps
from supervisor.alerts.models import Alert
from supervisor.evaluation.charts import Chart, layout, svg
from supervisor.evaluation.render import Heading, render_html, render_pdf
from supervisor.evaluation.report import INDICATORS, Report, build_report
from supervisor.evaluation.scoring import evaluate
from supervisor.processing import process_pending
from supervisor.runtime import Supervisor
from tests.conftest import FrozenClock, People
from tests.evaluation.test_statistics import LATER, Q3, History, build
from tests.support import bj


def _rated_and_judged(
    history: History, core: CoreDeps, clock: FrozenClock, supervisor: Supervisor
) -> None:
    """Ratings of A (满意), H (不满意) and C (非常满意) given on 8-20; the facts judged then."""
    clock.set(bj(2026, 8, 20, 10))
    with history.sessions() as session, session.begin():
        for case, level in (("A", "满意"), ("H", "不满意"), ("C", "非常满意")):
            found = session.get(Case, history.ids[case])
            assert found is not None
            rate(session, core, found, RatingIn(level=level))
        while process_pending(session, core, supervisor):
            pass
    clock.set(LATER)


def _report(history: History) -> Report:
    with history.sessions() as session:
        return build_report(session, history.core, "2026-Q3", Q3, "department", LATER)


HEADING = Heading("绩效评估报告", "Evaluation report", LATER)


def test_the_report_figures(
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    supervisor: Supervisor,
) -> None:
    history = build(sessions, core, people, clock)
    _rated_and_judged(history, core, clock, supervisor)
    report = _report(history)
    # The trend runs from January to September. July: H (7-2), A (7-10), D (7-17) on time;
    # August: B and E on time, C late; no other month concluded anything.
    months = {m.month: (m.on_time, m.late, m.on_time_rate) for m in report.months}
    assert list(months) == [f"2026-{n:02d}" for n in range(1, 10)]
    assert months["2026-07"] == (3, 0, 100.0)
    assert months["2026-08"] == (2, 1, 66.7)
    assert months["2026-06"] == (0, 0, None)
    assert report.ratings == {"非常满意": 1, "满意": 1, "基本满意": 0, "不满意": 1, "非常不满意": 0}
    assert report.satisfaction_rate == 66.7
    with sessions() as session:
        levels = Counter(a.level for a in session.scalars(select(Alert)))
    assert sum(levels.values()) > 0  # the bad rating opens a follow-up at least
    assert report.alerts == {level: levels.get(level, 0) for level in report.alerts}
    # Before the judging (as of the end of July): no alert, no rating yet.
    with sessions() as session:
        earlier = build_report(session, core, "2026-Q3", Q3, "department", bj(2026, 7, 31, 18))
    assert sum(earlier.alerts.values()) == 0
    assert sum(earlier.ratings.values()) == 0


def test_html_has_a_table_per_unit_charts_and_explanations(
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    supervisor: Supervisor,
) -> None:
    history = build(sessions, core, people, clock)
    _rated_and_judged(history, core, clock, supervisor)
    page = render_html(_report(history), HEADING)
    assert page == render_html(_report(history), HEADING)  # the same report, the same bytes
    for key in ("LAWYER-DIV", "PLS-DIV"):
        section = re.search(rf'<section class="unit" id="unit-{key}">(.*?)</section>', page, re.S)
        assert section is not None, key
        assert "<table>" in section.group(1)
    lawyer = page.split('id="unit-LAWYER-DIV"')[1].split("</section>")[0]
    assert "<tr><td>超期办结 / Late</td><td>1</td></tr>" in lawyer
    assert "<tr><td>按时办结率 / On-time rate</td><td>80.0%</td></tr>" in lawyer
    assert page.count("<svg ") == 4
    assert "<polyline " in page  # the on-time rate by month
    assert page.count("<rect ") >= 3
    for _, zh, en, how in INDICATORS:
        assert f"<tr><td>{zh}</td><td>{en}</td><td>{how}</td></tr>" in page
    assert "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")  # no asset


def test_pdf_text_and_bytes(
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    supervisor: Supervisor,
    tmp_path: Path,
) -> None:
    history = build(sessions, core, people, clock)
    _rated_and_judged(history, core, clock, supervisor)
    pdf = render_pdf(_report(history), HEADING)
    assert pdf.startswith(b"%PDF-")
    assert pdf == render_pdf(_report(history), HEADING)
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    for expected in (
        "绩效评估报告",
        "律师工作管理处",
        "按时办结率",
        "80.0%",
        "Indicators explained",
        "好差评",
        "On-time rate by month",
        "66.7%",
    ):
        assert expected in text, expected


def test_a_chart_is_drawn_to_scale() -> None:
    chart = Chart("件数", "cases", "bar", ("a", "b", "c"), (1.0, 3.0, None))
    rects = [s for s in layout(chart) if s.kind == "rect"]
    assert len(rects) == 2  # nothing for the missing value
    assert rects[1].points[3] == 3 * rects[0].points[3]
    # the scale tops at 4 (ticks 0, 1, 2, 3, 4): 3 fills three quarters of the plot
    texts = [s.text for s in layout(chart) if s.kind == "text"]
    assert "4" in texts
    assert "5" not in texts
    assert svg(chart) == svg(chart)
    drawn = ElementTree.fromstring(svg(chart))  # well-formed SVG, as a browser reads it
    assert drawn.tag == "{http://www.w3.org/2000/svg}svg"
    assert len(drawn.findall("{http://www.w3.org/2000/svg}rect")) == 2
    assert "<script" not in svg(Chart("<script>", "x", "line", ("a",), (1.0,)))


def test_scores_in_the_documents_through_the_api_and_the_command_line(
    sessions: sessionmaker[Session],
    core: CoreDeps,
    people: People,
    clock: FrozenClock,
    client: TestClient,
    cli_env: CliRunner,
    tmp_path: Path,
) -> None:
    build(sessions, core, people, clock)
    with sessions() as session:
        scored = evaluate(session, core, *Q3, "department", LATER)
    query = {"period": "2026-Q3", "by": "department", "as_of": "2026-12-01T12:00:00+08:00"}
    auth = people.auth("supervisor")
    page = client.get("/api/v1/evaluations", params={**query, "format": "html"}, headers=auth)
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert "style-src" in page.headers["content-security-policy"]
    for unit in scored.units:
        assert unit.score is not None
        assert unit.grade is not None
        section = page.text.split(f'id="unit-{unit.key}"')[1].split("</section>")[0]
        assert f"<tr><td>得分 / Score</td><td>{unit.score:.2f}</td></tr>" in section
        assert f"<tr><td>等级 / Grade</td><td>{unit.grade} / {unit.grade_en}</td></tr>" in section
        for part in unit.indicators:
            assert f"{part.name_zh} / {part.name_en}（{part.weight}%）" in section
    for indicator in scored.rules.indicators:
        assert escape(indicator.explain_zh) in page.text
        assert escape(indicator.explain_en) in page.text
    pdf = client.get("/api/v1/evaluations", params={**query, "format": "pdf"}, headers=auth)
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF-")
    again = client.get("/api/v1/evaluations", params={**query, "format": "pdf"}, headers=auth)
    assert again.content == pdf.content  # the same query as of the same moment
    refused = client.get("/api/v1/evaluations", params={**query, "format": "docx"}, headers=auth)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["format"]

    out = tmp_path / "handlers.pdf"
    args = ["evaluate", "--period", "2026-Q3", "--by", "handler", "--as-of", "2026-12-01T12:00",
            "--format", "pdf", "-o", str(out)]  # fmt: skip
    result = cli_env.invoke(main, args)
    assert result.exit_code == 0, result.output
    text = subprocess.run(
        ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert people.actors["handler"].name in text
    # Items are not scored by rules/evaluation.yaml: the page still has their figures.
    items = cli_env.invoke(main, [*args[:4], "item", *args[5:7], "--format", "html"])
    assert items.exit_code == 0, items.output
    assert 'id="unit-LAWYER-PRACTICE"' in items.output
    assert "<tr><td>得分 / Score</td>" not in items.output
