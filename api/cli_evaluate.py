"""`sunlight evaluate`: scores and grades (绩效评估), and statistics of the recorded history
(统计分析), from the records as of a moment. The figures: `supervisor/evaluation/statistics.py`;
the scoring: `supervisor/evaluation/scoring.py`; the formats: `supervisor/evaluation/formats.py`."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import click

from approval_core.conclusions.service import backfill
from approval_core.errors import InvalidInput
from supervisor.evaluation.documents import DOCUMENTS, document
from supervisor.evaluation.formats import RENDERERS, render
from supervisor.evaluation.scoring import evaluate as evaluate_units
from supervisor.evaluation.statistics import UNITS, Row, Unit, period_bounds, statistics

# Table columns: (figure, heading).
_COLUMNS = (
    ("key", "单位/unit"),
    ("name_zh", "名称/name"),
    ("received", "收件"),
    ("accepted", "受理"),
    ("rejected", "不予受理"),
    ("withdrawn", "撤回"),
    ("concluded", "办结"),
    ("approved", "准予"),
    ("denied", "不予"),
    ("concluded_early", "提前"),
    ("on_time", "按时"),
    ("late", "超期"),
    ("days_late", "超期日"),
    ("average_days", "平均用时"),
    ("p90_days", "P90用时"),
    ("stopped", "中止"),
    ("stopped_days", "中止日"),
    ("extensions", "延期"),
    ("supplements", "补正"),
    ("alerts_warning", "预警"),
    ("alerts_yellow", "黄牌"),
    ("alerts_red", "红牌"),
    ("anomalies", "异常"),
    ("cards_removed", "摘牌"),
    ("card_response_hours", "回告小时"),
    ("complaints", "投诉"),
    ("complaints_accepted_in_time", "按时受理"),
    ("complaints_accepted_late", "超时受理"),
    ("remedies_decided", "复议诉讼"),
    ("remedies_against", "被纠错"),
    ("ratings", "评价"),
    ("satisfaction_rate", "满意率"),
)


_MOMENT_HELP = (
    "ISO 时刻，无时区即北京时间（默认现在）/ ISO moment, Beijing time unless offset given"
)


@click.group(invoke_without_command=True)
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="first legal date")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="last legal date")
@click.option("--period", default=None, help='"2026", "2026-Q3" or "2026-07"')
@click.option("--by", type=click.Choice(UNITS), default="department", show_default=True)
@click.option("--as-of", "as_of", default=None, help=_MOMENT_HELP)
@click.option("--department", default=None, help="one department's cases only")
@click.option("--format", "fmt", type=click.Choice((*RENDERERS, *DOCUMENTS)), default="table")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="写入文件 / write to this file",
)
@click.pass_context
def evaluate(
    ctx: click.Context,
    start: datetime | None,
    end: datetime | None,
    period: str | None,
    by: Unit,
    as_of: str | None,
    department: str | None,
    fmt: str,
    output: Path | None,
) -> None:
    """绩效评估：按 rules/evaluation.yaml 为部门或承办人评分定级，逐项列出各指标的贡献；
    `evaluate statistics` 给出统计数字 / Scores and grades by rules/evaluation.yaml, by
    department or handler, showing how each indicator contributed; `evaluate statistics` gives
    the figures."""
    if ctx.invoked_subcommand is not None:
        return
    from api.cli import _core, _sessions
    from api.cli_rules import parse_moment

    first, last = _period(
        period,
        start.date() if start is not None else None,
        end.date() if end is not None else None,
    )
    moment = parse_moment(as_of)
    core = _core()
    with _sessions()() as session:
        try:
            if fmt in DOCUMENTS:  # html, pdf: charts too (documents.py)
                bounds = (first, last)
                rendered = document(session, core, bounds, by, moment, department, fmt, period)
            else:
                report = evaluate_units(session, core, first, last, by, moment, department)
                rendered = render(report, fmt)
        except InvalidInput as exc:
            raise click.BadParameter(
                f"{exc.detail_zh} / {exc.detail}", param_hint=f"--{exc.field or 'by'}"
            ) from None
    if output is not None:
        output.write_bytes(rendered.body)
        click.echo(f"已写入 / written: {output}", err=True)
        return
    click.echo(rendered.body, nl=False)


def _period(period: str | None, start: date | None, end: date | None) -> tuple[date, date]:
    if period is not None:
        if start is not None or end is not None:
            raise click.UsageError("--period 与 --from/--to 只能选一 / --period or --from/--to")
        try:
            return period_bounds(period)
        except InvalidInput as exc:
            raise click.BadParameter(
                f"{exc.detail_zh} / {exc.detail}", param_hint="--period"
            ) from None
    if start is None or end is None:
        raise click.UsageError(
            "须给出 --period 或 --from 与 --to / give --period or --from and --to"
        )
    return start, end


@evaluate.command("statistics")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="first legal date")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="last legal date")
@click.option("--period", default=None, help='"2026", "2026-Q3" or "2026-07"')
@click.option("--by", type=click.Choice(UNITS), default="department", show_default=True)
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="ISO 时刻，无时区即北京时间（默认现在）/ ISO moment, Beijing time unless offset given",
)
@click.option("--department", default=None, help="one department's cases only")
@click.option("--format", "fmt", type=click.Choice(("table", "json")), default="table")
def statistics_command(
    start: datetime | None,
    end: datetime | None,
    period: str | None,
    by: Unit,
    as_of: str | None,
    department: str | None,
    fmt: str,
) -> None:
    """统计分析：按部门、承办人或事项统计期间内的收件、受理、办结、按时与超期 / Statistics of
    the recorded history for a period, by department, handler or item, as of a moment."""
    from api.cli import _core, _sessions
    from api.cli_rules import parse_moment

    first, last = _period(
        period,
        start.date() if start is not None else None,
        end.date() if end is not None else None,
    )
    moment = parse_moment(as_of)
    core = _core()
    sessions = _sessions()
    with sessions() as session:
        try:
            rows = statistics(session, core, first, last, by, moment, department)
        except InvalidInput as exc:
            raise click.BadParameter(f"{exc.detail_zh} / {exc.detail}") from None
    if fmt == "json":
        document = {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "by": by,
            "as_of": moment.isoformat(),
            "department": department,
            "rows": [row.as_dict() for row in rows],
        }
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    click.echo(
        f"统计期间 / period {first} – {last}, 按 / by {by}, 截至 / as of {moment.isoformat()}"
    )
    for line in table_lines(rows):
        click.echo(line)


def table_lines(rows: list[Row]) -> list[str]:
    """A plain text table, one line per unit (tab-separated: it pastes into a spreadsheet)."""
    lines = ["\t".join(heading for _, heading in _COLUMNS)]
    for row in rows:
        values = row.as_dict()
        cells = ["" if values[name] is None else str(values[name]) for name, _ in _COLUMNS]
        lines.append("\t".join(cells))
    if not rows:
        lines.append("（期间内无记录 / nothing recorded in the period）")
    return lines


@evaluate.command("backfill-conclusions")
def backfill_conclusions_command() -> None:
    """补建办结统计行：为升级前办结的案件按记录重放生成 conclusions 行 / Add the conclusion rows
    of cases concluded before the table existed (statistics replay them meanwhile)."""
    from api.cli import _core, _sessions

    core = _core()
    with _sessions()() as session, session.begin():
        added = backfill(session, core)
    click.echo(f"补建 / added {added}")


@evaluate.command("bulletin")
@click.option("--period", required=True, help='a month ("2026-11") or, for annual, a year')
@click.option("--kind", type=click.Choice(("monthly", "annual")), default="monthly")
@click.option(
    "--output-dir",
    "-o",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="写出 HTML 与 PDF / write the HTML and PDF here",
)
def bulletin_command(period: str, kind: str, out: Path | None) -> None:
    """发布月度通报或年终考核（已发布则重新生成并逐字节比对）/ Issue the monthly bulletin or the
    year-end assessment as of now; when already issued, re-run it and compare the bytes (exit 1
    when they differ)."""
    from sqlalchemy import select

    from api.cli import _core, _sessions
    from supervisor.evaluation import bulletins
    from supervisor.evaluation.models import Bulletin

    core = _core()
    with _sessions()() as session, session.begin():
        try:
            issued = bulletins.issue(session, core, kind, period, core.now(), by="cli")
        except InvalidInput as exc:
            raise click.BadParameter(
                f"{exc.detail_zh} / {exc.detail}", param_hint="--period"
            ) from None
        stored = (
            issued
            or session.scalars(
                select(Bulletin).where(Bulletin.kind == kind, Bulletin.period == period)
            ).one()
        )
        summary = bulletins.summary(stored)
        check = None if issued is not None else bulletins.reproduce(session, core, stored)
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            (out / f"{stored.number}.html").write_text(stored.html, encoding="utf-8")
            (out / f"{stored.number}.pdf").write_bytes(stored.pdf)
    verb = "已发布 / issued" if issued is not None else "此前已发布 / issued before"
    click.echo(f"{verb}: {summary['number']}  {kind} {period}")
    click.echo(f"验证码 / verification code: {summary['verification_code']}")
    click.echo(f"sha256 html {summary['html_sha256']}  pdf {summary['pdf_sha256']}")
    if check is not None:
        same = "一致 / identical" if check["identical"] else "不一致 / DIFFERENT"
        click.echo(f"重新生成比对 / reproduction: {same}")
        if not check["identical"]:
            raise SystemExit(1)
