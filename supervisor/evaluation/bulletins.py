"""Bulletins: the monthly bulletin (分段通报) and the year-end assessment (年终考核).

A bulletin is the evaluation report of its period, by department, as of the moment it is
issued, rendered to HTML and PDF and stored once: numbered per year of issue and kind
(监察通报〔2026〕第3号, 年终考核〔2027〕第1号), never changed. Its inputs (kind, period, moment,
policy version, number) are all that the content depends on, so re-running them reproduces the
bytes exactly (`reproduce`); a difference means the records of the period were changed or
entered (backdated) after the issue.

Its verification code works as a receipt's: 6 characters locate it (kind, year, seq), 10 are a
MAC of its inputs under the record key (HMAC-SHA256 or HMAC-SM3, `SUNLIGHT_RECORD_MAC`, kept on
the row). A second MAC, the seal, covers the code and the SHA-256 of the stored HTML and PDF,
so an edited byte of the content fails verification too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from approval_core.context import CoreDeps
from approval_core.errors import InvalidInput
from approval_core.receipts.service import CODE_ALPHABET, CODE_LEN, LOCATOR_LEN, MAC_LEN
from approval_core.records.mac import mac
from approval_core.timeutil import as_utc, legal_date
from supervisor.evaluation.models import Bulletin
from supervisor.evaluation.render import Heading, render_html, render_pdf
from supervisor.evaluation.report import build_report
from supervisor.evaluation.statistics import period_bounds

Kind = Literal["monthly", "annual"]
KINDS: tuple[Kind, ...] = ("monthly", "annual")
TITLES = {
    "monthly": (
        "监察通报",
        "Supervision bulletin",
        "电子监察月度通报",
        "Monthly supervision bulletin",
    ),
    "annual": ("年终考核", "Year-end assessment", "电子监察年终考核", "Year-end assessment"),
}
VERIFY_PATH = "/api/v1/bulletins/verify/"


@dataclass(frozen=True)
class Inputs:
    """Everything a bulletin's content depends on."""

    kind: str
    number: str
    year: int
    seq: int
    period: str
    as_of: datetime
    issued_at: datetime
    policy_version: str

    def facts(self) -> bytes:
        data = {
            "kind": self.kind,
            "number": self.number,
            "period": self.period,
            "by": "department",
            "as_of": as_utc(self.as_of).isoformat(),
            "issued_at": as_utc(self.issued_at).isoformat(),
            "policy_version": self.policy_version,
        }
        return json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")


def number_of(kind: str, year: int, seq: int) -> str:
    return f"{TITLES[kind][0]}〔{year}〕第{seq}号"


def check_period(kind: str, period: str) -> tuple[date, date]:
    """A monthly bulletin covers a month ("2026-11"), the assessment a year ("2026")."""
    if kind not in KINDS:
        raise InvalidInput("kind must be monthly or annual", detail_zh="通报类型无效", field="kind")
    first, last = period_bounds(period)
    is_month = first.month == last.month and first.year == last.year
    is_year = first == date(first.year, 1, 1) and last == date(first.year, 12, 31)
    if (kind == "monthly" and not is_month) or (kind == "annual" and not is_year):
        raise InvalidInput(
            f"a {kind} bulletin covers a {'month (2026-11)' if kind == 'monthly' else 'year'}",
            detail_zh="月度通报的期间为一个月，年终考核的期间为一年",
            field="period",
        )
    return first, last


def _locator(kind: str, year: int, seq: int) -> str:
    value = ((year * 1000) + seq) * 2 + KINDS.index(kind)
    chars = []
    for _ in range(LOCATOR_LEN):
        chars.append(CODE_ALPHABET[value % 32])
        value //= 32
    return "".join(reversed(chars))


def _unlocate(code: str) -> tuple[str, int, int]:
    value = 0
    for ch in code[:LOCATOR_LEN]:
        value = value * 32 + CODE_ALPHABET.index(ch)
    kind = KINDS[value % 2]
    year, seq = divmod(value // 2, 1000)
    return kind, year, seq


def verification_code(key: str, mac_name: str, inputs: Inputs) -> str:
    sealed = mac(mac_name, key.encode(), b"bulletin\0" + inputs.facts())
    locator = _locator(inputs.kind, inputs.year, inputs.seq)
    return locator + base64.b32encode(sealed).decode()[:MAC_LEN]


def content_seal(key: str, mac_name: str, code: str, html_sha: str, pdf_sha: str) -> str:
    message = f"bulletin-content\0{code}\0{html_sha}\0{pdf_sha}".encode()
    return mac(mac_name, key.encode(), message).hex()


def render_bulletin(
    session: Session, deps: CoreDeps, inputs: Inputs, code: str
) -> tuple[str, bytes]:
    """The HTML and PDF of a bulletin from its inputs (the figures as of `inputs.as_of`)."""
    bounds = check_period(inputs.kind, inputs.period)
    report = build_report(session, deps, inputs.period, bounds, "department", inputs.as_of)
    title_zh, title_en = TITLES[inputs.kind][2:]
    heading = Heading(
        title_zh=title_zh,
        title_en=title_en,
        moment=inputs.issued_at,
        number=inputs.number,
        code=code,
        verify_url=VERIFY_PATH + code,
    )
    return render_html(report, heading), render_pdf(report, heading)


def issue(
    session: Session, deps: CoreDeps, kind: str, period: str, at: datetime, by: str
) -> Bulletin | None:
    """Issue the bulletin of `kind` for `period` as of `at`; None when it was issued before."""
    first, last = check_period(kind, period)
    found = session.scalars(
        select(Bulletin).where(Bulletin.kind == kind, Bulletin.period == period)
    ).first()
    if found is not None:
        return None
    at = as_utc(at).replace(microsecond=0)
    year = legal_date(at).year
    latest = session.scalar(
        select(func.max(Bulletin.seq)).where(Bulletin.kind == kind, Bulletin.year == year)
    )
    seq = (latest or 0) + 1
    inputs = Inputs(kind, number_of(kind, year, seq), year, seq, period, at, at,
                    deps.policy_version)  # fmt: skip
    code = verification_code(deps.record_key, deps.record_mac, inputs)
    html, pdf = render_bulletin(session, deps, inputs, code)
    html_sha = hashlib.sha256(html.encode("utf-8")).hexdigest()
    pdf_sha = hashlib.sha256(pdf).hexdigest()
    bulletin = Bulletin(
        number=inputs.number, kind=kind, year=year, seq=seq, period=period,
        period_from=first, period_to=last,
        by="department", as_of=at, issued_at=at, issued_by=by,
        policy_version=deps.policy_version, html=html, pdf=pdf, html_sha256=html_sha,
        pdf_sha256=pdf_sha, mac=deps.record_mac, code=code,
        seal=content_seal(deps.record_key, deps.record_mac, code, html_sha, pdf_sha),
    )  # fmt: skip
    session.add(bulletin)
    session.flush()
    return bulletin


def inputs_of(bulletin: Bulletin) -> Inputs:
    return Inputs(
        bulletin.kind,
        bulletin.number,
        bulletin.year,
        bulletin.seq,
        bulletin.period,
        bulletin.as_of,
        bulletin.issued_at,
        bulletin.policy_version,
    )


def due(today: date) -> list[tuple[Kind, str]]:
    """What should have been issued by `today` (a legal date): last month's bulletin, and in
    January last year's assessment."""
    previous = (
        date(today.year - 1, 12, 1)
        if today.month == 1
        else today.replace(month=today.month - 1, day=1)
    )
    wanted: list[tuple[Kind, str]] = [("monthly", f"{previous:%Y-%m}")]
    if today.month == 1:
        wanted.append(("annual", str(today.year - 1)))
    return wanted


def issue_due(session: Session, deps: CoreDeps, now: datetime) -> list[Bulletin]:
    """Issue whatever is due and not issued yet (the scheduler's job; idempotent)."""
    issued = []
    for kind, period in due(legal_date(now)):
        bulletin = issue(session, deps, kind, period, now, by="scheduler")
        if bulletin is not None:
            issued.append(bulletin)
    return issued


@contextmanager
def _deps_of(session: Session, deps: CoreDeps, version: str) -> Iterator[CoreDeps]:
    """The deps of the policy the bulletin was issued under (stored in policy history)."""
    if not version or version == deps.policy_version:
        yield deps
        return
    from supervisor.policy.versions import load_version

    policy = load_version(session, version, "python")
    try:
        yield policy.deps(deps.record_key, deps.now, deps.record_mac)
    finally:
        policy.close()


def reproduce(session: Session, deps: CoreDeps, bulletin: Bulletin) -> dict[str, Any]:
    """Re-run the bulletin's inputs and compare the bytes with the stored ones."""
    inputs = inputs_of(bulletin)
    with _deps_of(session, deps, bulletin.policy_version) as used:
        html, pdf = render_bulletin(session, used, inputs, bulletin.code)
    html_sha = hashlib.sha256(html.encode("utf-8")).hexdigest()
    pdf_sha = hashlib.sha256(pdf).hexdigest()
    return {
        "number": bulletin.number,
        "identical": html == bulletin.html and pdf == bulletin.pdf,
        "html": {"stored": bulletin.html_sha256, "reproduced": html_sha},
        "pdf": {"stored": bulletin.pdf_sha256, "reproduced": pdf_sha},
        "policy_version": bulletin.policy_version,
        "as_of": as_utc(bulletin.as_of).isoformat(),
    }


def normalise_code(code: str) -> str | None:
    text = "".join(ch for ch in code.upper() if ch not in " -")
    if len(text) != CODE_LEN or any(ch not in CODE_ALPHABET for ch in text):
        return None
    return text


def verify(session: Session, deps: CoreDeps, code: str) -> Bulletin | None:
    """The bulletin this code was printed on, or None when unknown or anything was altered."""
    text = normalise_code(code)
    if text is None:
        return None
    kind, year, seq = _unlocate(text)
    bulletin = session.scalars(
        select(Bulletin).where(Bulletin.kind == kind, Bulletin.year == year, Bulletin.seq == seq)
    ).first()
    if bulletin is None:
        return None
    expected = verification_code(deps.record_key, bulletin.mac, inputs_of(bulletin))
    html_sha = hashlib.sha256(bulletin.html.encode("utf-8")).hexdigest()
    pdf_sha = hashlib.sha256(bulletin.pdf).hexdigest()
    seal = content_seal(deps.record_key, bulletin.mac, expected, html_sha, pdf_sha)
    genuine = (
        hmac.compare_digest(expected, text)
        and hmac.compare_digest(bulletin.code, text)
        and hmac.compare_digest(seal, bulletin.seal)
    )
    return bulletin if genuine else None


def summary(bulletin: Bulletin) -> dict[str, Any]:
    """What the list shows (and anyone verifying a code sees): no content."""
    return {
        "number": bulletin.number,
        "kind": bulletin.kind,
        "title_zh": TITLES[bulletin.kind][2],
        "title_en": TITLES[bulletin.kind][3],
        "period": bulletin.period,
        "from": bulletin.period_from.isoformat(),
        "to": bulletin.period_to.isoformat(),
        "as_of": as_utc(bulletin.as_of).isoformat(),
        "issued_at": as_utc(bulletin.issued_at).isoformat(),
        "html_sha256": bulletin.html_sha256,
        "pdf_sha256": bulletin.pdf_sha256,
        "verification_code": bulletin.code,
    }
