"""`sunlight rules`: check, publish the schema of, test, explain and reload the supervision rules.

For policy staff (DOMAIN.md section 1): every message Chinese first, English after; problems
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

from approval_core.calendar import load_calendar
from approval_core.catalogue.service import Catalogue, load_catalogue
from approval_core.context import load_deps
from approval_core.db import make_engine, make_session_factory
from approval_core.errors import ConfigError, NotFound
from approval_core.settings import get_settings
from approval_core.timeutil import LEGAL_TZ, utcnow
from approval_core.yamlsource import sort_messages
from supervisor.notify.routing import check_routing, known_codes
from supervisor.policy.explain import explain_case
from supervisor.policy.render import coverage_lines, explanation_lines, report_lines
from supervisor.policy.ruletests import run_rule_tests
from supervisor.rulebook import check_rulebook, load_rulebook, rulebook_json_schema

RELOAD_PATH = "/api/v1/supervision/rules/reload"
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
def check(directory: Path | None) -> None:
    """检查规则文件（含工作日历），列出全部问题（文件:行:列）/ Check the rule files (and the
    calendar); every problem with file:line:column. DIRECTORY defaults to the rules directory
    in force (SUNLIGHT_RULES_DIR)."""
    rules_dir = directory or get_settings().rules_dir
    problems = check_rulebook(rules_dir)
    problems += check_routing(rules_dir, known_codes(rules_dir))  # rules/notifications.yaml
    try:
        load_calendar(rules_dir)  # the service needs it too; check_rulebook does not read it
    except ConfigError as exc:
        problems = sort_messages([*problems, *exc.problems])
    if problems:
        count = len(problems)
        _fail([*problems, f"共 {count} 个问题，规则未通过检查 / {count} problem(s): rules refused"])
    ruleset = load_rulebook(rules_dir, load_catalogue(rules_dir))
    count = len(ruleset.rules)
    click.echo(
        f"规则检查通过：{count} 条规则，版本 {ruleset.version} / "
        f"rules OK: {count} rules, version {ruleset.version}"
    )


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


def _moment(text: str | None) -> datetime:
    if text is None:
        return utcnow()
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter(
            f'须为 ISO 时刻，如 "2026-04-09T12:00"（北京时间）/ must be an ISO moment: {text}',
            param_hint="--as-of",
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=LEGAL_TZ)


@rules.command("explain")
@click.argument("case_id")
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="ISO 时刻，无时区即北京时间（默认现在）/ ISO moment, Beijing time unless offset given",
)
def explain(case_id: str, as_of: str | None) -> None:
    """解释案件在某一时刻的监察结论：事实、每条规则为何触发或不触发、逐日计时 /
    Explain a case at a moment: its fact, why each rule fires or not, the clock day by day.
    CASE_ID is the case id or its tracking number."""
    moment = _moment(as_of)
    settings = get_settings()
    try:
        deps = load_deps(settings.rules_dir, settings.secret_key)
        ruleset = load_rulebook(settings.rules_dir, deps.catalogue)
    except ConfigError as exc:
        _fail(exc.problems)
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            found = explain_case(session, deps, ruleset, case_id, moment)
    except NotFound as exc:
        _fail([f"{exc.detail_zh} / {exc.detail}"])
    finally:
        engine.dispose()
    for line in explanation_lines(found):
        click.echo(line)


@rules.command("reload")
@click.option("--url", default="http://127.0.0.1:8000", show_default=True, help="服务地址 / API")
@click.option("--token", envvar="SUNLIGHT_TOKEN", help="管理员或政策人员的令牌 / bearer token")
def reload(url: str, token: str | None) -> None:
    """让运行中的服务重新加载规则；有错则保留原规则 / Make the running service reload its
    rules; on any fault it keeps the rules in force."""
    if not token:
        raise click.UsageError("需要 --token 或环境变量 SUNLIGHT_TOKEN / --token or SUNLIGHT_TOKEN")
    status, body = _post(url.rstrip("/") + RELOAD_PATH, token)
    if status != 200:
        detail = body.get("detail") or body.get("title") or body.get("text") or ""
        _fail([f"重新加载被拒绝（HTTP {status}）/ reload refused (HTTP {status}): {detail}"])
    problems = list(body.get("problems") or ())
    ok = bool(body.get("last_reload_ok")) and not problems
    version = body.get("version", "?")
    click.echo(f"规则版本 / version: {version}")
    click.echo(f"重新加载成功 / ok: {'是 yes' if ok else '否 no'}")
    if ok:
        return
    _fail(
        [
            *problems,
            f"重新加载被拒绝，仍使用版本 {version} / reload refused, version {version} stays",
        ]
    )


def _post(url: str, token: str) -> tuple[int, dict[str, Any]]:
    """POST with the bearer token; (HTTP status, JSON body or {"text": ...})."""
    request = urllib.request.Request(
        url,
        data=b"",
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
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
