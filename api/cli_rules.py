"""`sunlight rules`: check, publish the schema of, test, explain and reload the supervision rules.

For policy staff (docs/DOMAIN.md section 1): every message Chinese first, English after; problems
go to stderr as file:line:column, results to stdout. Exit status 0 means all is well, 1 means a
problem was found (a faulty file, a failing test, missing coverage, a refused reload).
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

import click
from sqlalchemy.orm import Session

from approval_core.catalogue.service import Catalogue, load_catalogue
from approval_core.db import make_engine, make_session_factory
from approval_core.errors import ConfigError, NotFound
from approval_core.inputs import moment_problem
from approval_core.settings import get_settings
from approval_core.timeutil import LEGAL_TZ, utcnow
from supervisor.notify.audience import audience, audience_lines, audience_warnings
from supervisor.notify.routing import (
    NotificationRules,
)
from supervisor.policy.explain import explain_case
from supervisor.policy.pending import pending_bases
from supervisor.policy.render import coverage_lines, explanation_lines, report_lines
from supervisor.policy.ruletests import run_rule_tests
from supervisor.policy.value import Policy, load_policy
from supervisor.policy.versions import in_force_version, load_version
from supervisor.rulebook import rulebook_json_schema

RELOAD_PATH = "/api/v1/policy/reload"
_DIR = click.Path(file_okay=False, path_type=Path)


def _fail(lines: list[str]) -> NoReturn:
    for line in lines:
        click.echo(line, err=True)
    sys.exit(1)


@click.group()
def rules() -> None:
    """监察规则：检查、JSON Schema、测试、解释、重新加载 / Supervision rules: check, schema, test,
    explain, reload."""


@rules.command("check")
@click.argument("directory", required=False, type=_DIR)
@click.option(
    "--quiet-audience",
    is_flag=True,
    help="不列出每条规则告知谁 / do not print who is told about each rule",
)
def check(directory: Path | None, quiet_audience: bool) -> None:
    """检查规则文件（含工作日历），列出全部问题（文件:行:列），再列出每条规则告知谁；无人收到
    通知的规则给出警告（不影响退出码）/ Check the rule files (and the calendar); every problem
    with file:line:column, then who is told about each rule, with a warning for a rule that
    reaches nobody (exit status stays 0). DIRECTORY defaults to the rules directory in force
    (SUNLIGHT_RULES_DIR)."""
    rules_dir = directory or get_settings().rules_dir
    try:
        # the same loader a reload uses: every file of the folder, all of its problems
        policy = load_policy(rules_dir, "python")
    except ConfigError as exc:
        found = len(exc.problems)
        summary = f"共 {found} 个问题，规则未通过检查 / {found} problem(s): rules refused"
        _fail([*exc.problems, summary])
    count, version = len(policy.ruleset.rules), policy.version
    click.echo(
        f"规则检查通过：{count} 条规则，版本 {version} / rules OK: {count} rules, version {version}"
    )
    # Without a routing file nobody is told anything, and every rule says so.
    told = audience(policy.ruleset, policy.routing or NotificationRules())
    if not quiet_audience:
        click.echo("\n".join(["", *audience_lines(told)]))
    for warning in audience_warnings(told):
        click.echo(f"警告 / warning: {warning}", err=True)
    _pending_warnings(rules_dir)


def _pending_warnings(rules_dir: Path) -> None:
    """The bases still marked 待核, as warnings: what policy staff must settle before going
    live (the exit status stays 0)."""
    found = pending_bases(rules_dir)
    if not found:
        return
    click.echo(
        f"警告 / warning: {len(found)} 处依据仍为待核（上线前须对照官方文本核对）/ "
        f"{len(found)} legal basis mark(s) still 待核 (to verify against the official text "
        "before going live):",
        err=True,
    )
    for entry in found:
        click.echo(f"  待核 / to verify: {entry.render()}", err=True)


@rules.command("schema")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="写入文件 / write here"
)
def schema(output: Path | None) -> None:
    """输出规则文件的 JSON Schema（供编辑器补全与检查）/ Print the JSON Schema of the rule
    files, for editors to complete and check them."""
    catalogue: Catalogue | None
    try:
        catalogue = load_catalogue(get_settings().rules_dir)
    except ConfigError:
        catalogue = None  # the schema then leaves item and department codes open
    text = json.dumps(rulebook_json_schema(catalogue), ensure_ascii=False, indent=2)
    if output is None:
        click.echo(text)
        return
    output.write_text(text + "\n", encoding="utf-8")
    click.echo(f"已写入 / written: {output}", err=True)


@rules.command("test")
@click.argument("directory", required=False, type=_DIR)
@click.option(
    "--tests",
    "tests_dir",
    type=_DIR,
    default=None,
    help="测试目录（默认 DIRECTORY/tests）/ test directory (default DIRECTORY/tests)",
)
@click.option(
    "--coverage",
    is_flag=True,
    help="每条规则须至少触发一次、静默一次 / every rule must fire once and stay silent once",
)
def test(directory: Path | None, tests_dir: Path | None, coverage: bool) -> None:
    """运行规则测试（两个求值器都须通过且一致）/ Run the rule tests, each through both
    evaluators (durable-rules and Python), which must agree."""
    rules_dir = directory or get_settings().rules_dir
    report = run_rule_tests(rules_dir, tests_dir or rules_dir / "tests")
    if report.problems:
        count = len(report.problems)
        summary = f"共 {count} 个问题，测试未运行 / {count} problem(s): no test ran"
        _fail([*report.problems, summary])
    for line in report_lines(report):
        click.echo(line)
    if coverage:
        click.echo("")
        for line in coverage_lines(report):
            click.echo(line)
    if not report.passed:
        _fail(["规则测试未通过 / rule tests failed"])
    if coverage and report.uncovered:
        _fail(["规则覆盖不足 / rule coverage incomplete"])


def parse_moment(text: str | None) -> datetime:
    """--as-of: an ISO moment, Beijing time unless it carries an offset, in a year the work
    calendar counts (`approval_core.inputs`); default now."""
    if text is None:
        return utcnow()
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter(
            f'须为 ISO 时刻，如 "2026-04-09T12:00"（北京时间）/ must be an ISO moment: {text}',
            param_hint="--as-of",
        ) from None
    moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=LEGAL_TZ)
    problem = moment_problem(moment)
    if problem is not None:
        raise click.BadParameter(f"{text}: {problem[1]}", param_hint="--as-of")
    return moment


@rules.command("explain")
@click.argument("case_id")
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="ISO 时刻，无时区即北京时间（默认现在）/ ISO moment, Beijing time unless offset given",
)
@click.option(
    "--files",
    "files_dir",
    type=_DIR,
    default=None,
    help="用此目录中的规则文件（未生效）解释，而非生效中的规则 / explain with the files of this "
    "folder (not in force) instead of the policy in force",
)
@click.option(
    "--version",
    "version",
    default=None,
    help="用数据库中保存的某个版本解释（重现当时的结论）/ explain with a stored version (to "
    "reproduce a past verdict, e.g. an alert's ruleset_version)",
)
def explain(case_id: str, as_of: str | None, files_dir: Path | None, version: str | None) -> None:
    """解释案件在某一时刻的监察结论：事实、每条规则为何触发或不触发、逐日计时 /
    Explain a case at a moment: its fact, why each rule fires or not, the clock day by day.
    CASE_ID is the case id or its tracking number. The policy used is the one in force
    (stored in the database), a stored --version, or the files of --files."""
    moment = parse_moment(as_of)
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            policy, which = _explain_policy(session, files_dir, version)
            deps = policy.deps(settings.secret_key)
            found = explain_case(session, deps, policy.ruleset, case_id, moment)
    except ConfigError as exc:
        _fail(exc.problems)
    except NotFound as exc:
        _fail([f"{exc.detail_zh} / {exc.detail}"])
    finally:
        engine.dispose()
    click.echo(f"规则版本 {policy.version}（{which[0]}）/ policy {policy.version} ({which[1]})")
    for line in explanation_lines(found):
        click.echo(line)


def _explain_policy(
    session: Session, files_dir: Path | None, version: str | None
) -> tuple[Policy, tuple[str, str]]:
    """The policy to explain with, and how to name it (Chinese, English)."""
    settings = get_settings()
    if version is not None:
        return load_version(session, version, "python"), ("数据库中保存的版本", "stored version")
    if files_dir is not None:
        where = str(files_dir)
        return load_policy(files_dir, "python"), (f"{where} 中的文件", f"files in {where}")
    current = in_force_version(session)
    if current is None:
        where = str(settings.rules_dir)
        policy = load_policy(settings.rules_dir, "python")
        return policy, (
            f"数据库中尚无生效版本，用 {where} 中的文件",
            f"none in force yet: files in {where}",
        )
    return load_version(session, current, "python"), ("生效中", "in force")


@rules.command("reload")
@click.option("--url", default="http://127.0.0.1:8000", show_default=True, help="服务地址 / API")
@click.option("--token", envvar="SUNLIGHT_TOKEN", help="管理员或政策人员的令牌 / bearer token")
@click.option(
    "--force-reason",
    default=None,
    help="规则测试未通过仍要生效时须写明理由（会被记录）/ put in force although the rule tests "
    "fail; the reason is recorded",
)
def reload(url: str, token: str | None, force_reason: str | None) -> None:
    """让运行中的服务把 rules/ 的全部文件作为一个新版本生效（检查、测试、记录、重算计时）；
    有任何问题则保留原版本 / Make the running service put every file of rules/ in force as
    one new policy version (checked, tested, stored, clocks recomputed); on any fault the
    version in force stays."""
    if not token:
        raise click.UsageError("需要 --token 或环境变量 SUNLIGHT_TOKEN / --token or SUNLIGHT_TOKEN")
    body = {"force_reason": force_reason} if force_reason else {}
    status, answer = _post(url.rstrip("/") + RELOAD_PATH, token, body)
    if status != 200:
        detail = answer.get("detail") or answer.get("title") or answer.get("text") or ""
        _fail([f"重新加载被拒绝（HTTP {status}）/ reload refused (HTTP {status}): {detail}"])
    version = answer.get("version", "?")
    ok = bool(answer.get("ok")) and not answer.get("problems")
    click.echo(f"规则版本 / version: {version}")
    click.echo(f"重新加载成功 / ok: {'是 yes' if ok else '否 no'}")
    if ok:
        for line in reload_lines(answer):
            click.echo(line)
        return
    _fail(
        [
            *(answer.get("problems") or ()),
            f"重新加载被拒绝，仍使用版本 {version} / reload refused, version {version} stays",
        ]
    )


def reload_lines(answer: dict[str, Any]) -> list[str]:
    """What a reload put in force, for people: the previous version, what changed, the clocks
    moved, and a forced reload's reason."""
    lines = [f"原版本 / was: {answer.get('previous')}"]
    lines += list(answer.get("summary") or [])
    clocks = answer.get("clocks") or {}
    if clocks:
        recomputed, changed = clocks.get("recomputed", 0), clocks.get("changed", 0)
        lines.append(
            f"重算计时 {recomputed} 件，其中 {changed} 件变化"
            f" / clocks recomputed: {recomputed}, changed: {changed}"
        )
    if answer.get("forced"):
        lines.append(f"规则测试未通过，已强制生效，理由 / forced, reason: {answer.get('reason')}")
    return lines


def _post(url: str, token: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """POST JSON with the bearer token; (HTTP status, JSON body or {"text": ...})."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, _json(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, _json(exc.read())
    except urllib.error.URLError as exc:
        _fail([f"无法连接 {url} / cannot reach {url}: {exc.reason}"])


def _json(data: bytes) -> dict[str, Any]:
    try:
        found = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {"text": data.decode("utf-8", "replace")[:500]}
    return found if isinstance(found, dict) else {"text": str(found)}


@rules.command("backtest")
@click.option(
    "--rules",
    "rules_dir",
    type=_DIR,
    required=True,
    help="拟议规则所在目录 / the folder of the proposed policy",
)
@click.option(
    "--from",
    "start",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="收件日期起（含）/ cases received from this date (Beijing)",
)
@click.option(
    "--to",
    "end",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="收件日期止（含），也是重放的终点 / received up to this date, also where replay stops",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option(
    "--workers",
    type=click.IntRange(1, 32),
    default=2,
    show_default=True,
    help="重放所用进程数（2 万件以上才分开）/ processes that replay (from 20,000 cases on)",
)
def backtest(
    rules_dir: Path, start: datetime | None, end: datetime | None, fmt: str, workers: int
) -> None:
    """假如（回测）：把期间内收件案件的记录分别按拟议规则和生效规则重放，列出将新增或消失的
    告警（按规则、级别、部门、事项计数，附案件示例）；只读，不写入任何内容 / What if
    (backtest): replay the recorded cases received in the period through the proposed policy
    (--rules) and through the one in force (database, else SUNLIGHT_RULES_DIR), and list the
    alerts that would appear or vanish. Read-only: nothing is written."""
    from supervisor.policy import backtest as what_if  # (only this command needs it)

    first, last = (d.date() if d else None for d in (start, end))
    if first and last and first > last:
        raise click.BadParameter("--from 晚于 --to / --from is after --to", param_hint="--from")
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        where = str(rules_dir)
        proposed = load_policy(rules_dir, "python"), f"{where} 中的文件 / files in {where}"
        with what_if.read_only_session(make_session_factory(engine)) as session:
            current = what_if.policy_in_force(session, settings.rules_dir)
            report = what_if.backtest(session, current, proposed, utcnow(), first, last, workers)
    except ConfigError as exc:
        _fail(exc.problems)
    except NotFound as exc:
        _fail([f"{exc.detail_zh} / {exc.detail}"])
    finally:
        engine.dispose()
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    for line in what_if.report_lines(report):
        click.echo(line)
