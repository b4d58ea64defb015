"""Messages to applicants (外网反馈): when an action issues a document to the applicant, the
`applicant_routes:` of rules/notifications.yaml queue an SMS and/or e-mail in the delivery
outbox with the tracking number, what happened and the public progress link; and the
applicant's opt-outs (退订), respected when queued and again before each attempt.

Queued by the judge for the facts of committed actions (supervisor/processing.py), in the same
transaction that marks the facts judged. Each message has a stable key per case, record and
channel, so a fact judged again never queues it twice; the deliverer sends it with the same
retries, dead letters and outbound checks as every other delivery.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, or_, select
from sqlalchemy.orm import Session

from approval_core.bulk import insert_many
from approval_core.cases.models import Case
from approval_core.cases.service import DOCUMENT_OUT
from approval_core.catalogue.service import Catalogue
from approval_core.db import in_chunks
from approval_core.outbox.models import Fact
from supervisor.notify.applicant_routes import ApplicantRoute
from supervisor.notify.models import ApplicantOptOut, Delivery
from supervisor.notify.routing import Hours

KIND = "applicant"  # the deliveries' kind
PUBLIC_PATH = (
    "/api/v1/public/cases/{tracking_no}"  # the public progress query (api/routers/public.py)
)
_DELIVERIES = Table("deliveries", Delivery.metadata)


def public_link(public_url: str, tracking_no: str) -> str:
    return public_url + PUBLIC_PATH.format(tracking_no=tracking_no)


def message_key(case_id: str, record_id: int, channel: str) -> str:
    """The delivery's idempotency key: one message per case, record and channel."""
    return f"applicant_{case_id}_{record_id}_{channel}"


def address_of(case: Case, channel: str) -> str | None:
    return case.applicant_phone if channel == "sms" else case.applicant_email


def notify_applicants(
    session: Session,
    hours: Hours | None,
    catalogue: Catalogue,
    public_url: str,
    facts: Sequence[Fact],
    cases: Mapping[str, Any],  # Case objects, or rows of the cases' columns
    now: datetime,
    *,
    sms_enabled: bool = True,
) -> int:
    """Queue the applicant messages for the documents these facts' actions issued; returns the
    deliveries written. Quiet hours hold them back as they do staff messages. Without an SMS
    gateway configured (SUNLIGHT_SMS_GATEWAY_URL) no SMS is queued, rather than each one ending
    as a dead letter."""
    routes = hours.rules.applicant_routes if hours is not None else []
    if hours is None or not routes:
        return 0
    wanted: list[tuple[str, str, str, Case, ApplicantRoute, str]] = []
    for fact in facts:
        case = cases.get(fact.case_id or "")
        action = str((fact.payload.get("event") or {}).get("action", ""))
        document = DOCUMENT_OUT.get(action)
        if case is None or document is None or fact.record_id is None:
            continue
        for route in hours.rules.applicant_routes_for(document):
            for channel in route.channels:
                if channel == "sms" and not sms_enabled:
                    continue
                address = address_of(case, channel)
                if address:
                    key = message_key(case.id, fact.record_id, channel)
                    wanted.append((key, channel, address, case, route, document))
    if not wanted:
        return 0
    known = _existing_keys(session, [w[0] for w in wanted])
    stopped = opted_out(session, [(w[1], w[3].tracking_no, w[2]) for w in wanted])
    send_at = hours.send_at(now, KIND, False)
    rows = [
        _row(
            key,
            channel,
            address,
            route.render(*_params(catalogue, public_url, case)),
            case,
            document,
            send_at,
            now,
        )
        for key, channel, address, case, route, document in wanted
        if key not in known and (channel, case.tracking_no, address) not in stopped
    ]
    rows = list({r["key"]: r for r in rows}.values())
    if rows:
        insert_many(session, _DELIVERIES, rows)
    return len(rows)


def _params(
    catalogue: Catalogue, public_url: str, case: Case
) -> tuple[dict[str, Any], dict[str, Any]]:
    item = catalogue.items.get(case.item_code)
    due = case.clock_due_date.isoformat() if case.clock_due_date else None
    common = {"tracking_no": case.tracking_no, "link": public_link(public_url, case.tracking_no)}
    zh = common | {
        "item": item.name_zh if item else case.item_code,
        "due_date": due or "未起算",
    }
    en = common | {
        "item": item.name_en if item else case.item_code,
        "due_date": due or "not started",
    }
    return zh, en


def _row(
    key: str,
    channel: str,
    address: str,
    texts: dict[str, Any],
    case: Case,
    document: str,
    send_at: datetime,
    now: datetime,
) -> dict[str, Any]:
    message = {
        "event": f"applicant.{document}",
        "kind": KIND,
        "document": document,
        **texts,
        "case": {
            "id": case.id,
            "tracking_no": case.tracking_no,
            "item": case.item_code,
            "department": case.department_code,
        },
    }
    return {
        "key": key,
        "kind": KIND,
        "alert_id": None,
        "user_id": None,
        "channel": channel,
        "address": address,
        "secret": None,
        "language": "zh",
        "message": message,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": send_at,
        "claimed_until": None,
        "created_at": now,
        "delivered_at": None,
        "last_error": None,
    }


def _existing_keys(session: Session, keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in in_chunks(sorted(set(keys))):
        found.update(session.scalars(select(Delivery.key).where(Delivery.key.in_(chunk))))
    return found


def opted_out(
    session: Session, wanted: Iterable[tuple[str, str | None, str]]
) -> set[tuple[str, str | None, str]]:
    """Which of (channel, tracking number, address) the applicant opted out of: an opt-out of
    the case on that channel, or of that address on that channel."""
    wanted = list(wanted)
    numbers = sorted({n for _, n, _ in wanted if n})
    addresses = sorted({a for _, _, a in wanted})
    by_case: set[tuple[str, str]] = set()
    by_address: set[tuple[str, str]] = set()
    for chunk in in_chunks(numbers + addresses):
        rows = session.execute(
            select(
                ApplicantOptOut.channel, ApplicantOptOut.tracking_no, ApplicantOptOut.address
            ).where(or_(ApplicantOptOut.tracking_no.in_(chunk), ApplicantOptOut.address.in_(chunk)))
        )
        for channel, number, address in rows:
            if number:
                by_case.add((channel, number))
            if address:
                by_address.add((channel, address))
    return {
        (c, n, a)
        for c, n, a in wanted
        if (n is not None and (c, n) in by_case) or (c, a) in by_address
    }


def choose(
    session: Session, case: Case, channels: Sequence[str], receive: bool, now: datetime
) -> dict[str, Any]:
    """Opt the case's applicant out of (`receive` False) or back into the channels; returns
    `choices`. Opting back in lifts the opt-outs of the case and of its current address."""
    for channel in channels:
        address = address_of(case, channel)
        conditions = [ApplicantOptOut.tracking_no == case.tracking_no]
        if address:
            conditions.append(ApplicantOptOut.address == address)
        session.execute(
            delete(ApplicantOptOut).where(ApplicantOptOut.channel == channel, or_(*conditions))
        )
        if not receive:
            session.add(
                ApplicantOptOut(
                    tracking_no=case.tracking_no, address=address, channel=channel, at=now
                )
            )
    session.flush()
    return choices(session, case)


def choices(session: Session, case: Case) -> dict[str, Any]:
    """Per channel: the (masked) address the case gave and whether messages go to it."""
    channels = ("sms", "email")
    addresses = {c: address_of(case, c) for c in channels}
    stopped = opted_out(session, [(c, case.tracking_no, a or "") for c, a in addresses.items()])
    return {
        "tracking_no": case.tracking_no,
        "channels": {
            c: {
                "address": _mask(a, c) if a else None,
                "receive": bool(a) and (c, case.tracking_no, a or "") not in stopped,
            }
            for c, a in addresses.items()
        },
    }


def _mask(address: str, channel: str) -> str:
    if channel == "sms":
        return address[:3] + "****" + address[-4:] if len(address) >= 8 else "****"
    name, _, domain = address.partition("@")
    return f"{name[:1]}***@{domain}"
