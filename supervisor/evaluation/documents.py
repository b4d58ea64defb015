"""The evaluation report as a document (html, pdf) for `sunlight evaluate --format` and
`GET /api/v1/evaluations?format=`: the other formats render the scores alone (`formats.py`);
these also chart the period's trend, alerts and ratings, so they read the database."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from approval_core.context import CoreDeps
from supervisor.evaluation.formats import Rendered
from supervisor.evaluation.render import Heading, render_html, render_pdf
from supervisor.evaluation.report import build_report
from supervisor.evaluation.statistics import Unit

DOCUMENTS = ("html", "pdf")
TITLE = ("电子监察绩效评估报告", "Performance evaluation report")


def document(
    session: Session,
    deps: CoreDeps,
    bounds: tuple[date, date],
    by: Unit,
    as_of: datetime,
    department: str | None,
    fmt: str,
    period: str | None = None,
) -> Rendered:
    """The report of the period as of `as_of` as a page or a PDF; the same query as of the
    same moment gives the same bytes (the PDF is dated `as_of`)."""
    label = period or f"{bounds[0]}–{bounds[1]}"
    report = build_report(session, deps, label, bounds, by, as_of, department)
    heading = Heading(*TITLE, moment=report.as_of)
    if fmt == "pdf":
        return Rendered("application/pdf", render_pdf(report, heading), "pdf")
    return Rendered("text/html; charset=utf-8", render_html(report, heading).encode(), "html")
