"""The body of each kind of receipt: labelled lines built from the record and the catalogue."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from approval_core.cases.models import Case
from approval_core.cases.snapshot import clock_of
from approval_core.catalogue.schemas import LegalBasis
from approval_core.clock.units import UNIT_TEXT_EN, UNIT_TEXT_ZH
from approval_core.context import CoreDeps
from approval_core.receipts.schemas import Line
from approval_core.records.models import CaseRecord
from approval_core.timeutil import LEGAL_TZ, as_utc, legal_date

NOT_GIVEN = "（未填写） / (not given)"
# An approval that gives no reason of its own: the finding every grant rests on (Art. 38).
APPROVED_REASON = (
    "经审查，申请人的申请符合法定条件、标准。"
    " / On examination, the application meets the statutory conditions and standards."
)


@dataclass(frozen=True)
class Source:
    """What a receipt is built from: the case, its records up to the one that issued it."""

    deps: CoreDeps
    case: Case
    history: Sequence[CaseRecord]  # records up to and including `record`, in order

    @property
    def record(self) -> CaseRecord:
        return self.history[-1]


def beijing_time(moment: datetime) -> str:
    return as_utc(moment).astimezone(LEGAL_TZ).strftime("%Y-%m-%d %H:%M")


def day(value: date | None) -> str:
    if value is None:
        return "待定 / to be determined"
    return f"{value.year}年{value.month}月{value.day}日 / {value.isoformat()}"


def bases(items: Sequence[LegalBasis]) -> str:
    return "；".join(f"{b.statute}{b.article}（{b.statute_en}, {b.article_en}）" for b in items)


def material_names(src: Source, codes: Sequence[str]) -> list[str]:
    """Material names from the catalogue, numbered; an unknown code is shown as is."""
    known = {m.code: m for m in src.deps.catalogue.get(src.case.item_code).materials}
    names: list[str] = []
    for index, code in enumerate(codes, start=1):
        material = known.get(code)
        text = f"{material.name_zh}（{material.name_en}）" if material else code
        names.append(f"{index}. {text}")
    return names


def _due_date(src: Source, history: Sequence[CaseRecord]) -> str:
    """The due date as printed; marked when it rests on a year whose holidays are not yet
    published (the clock is provisional and the date may still move)."""
    _, clock = clock_of(src.deps, src.case.item_code, history, src.record.at)
    text = day(clock.due_date)
    if clock.provisional and clock.due_date is not None:
        years = "、".join(str(y) for y in clock.provisional_years)
        years_en = ", ".join(str(y) for y in clock.provisional_years)
        text += (
            f"（暂定：{years}年节假日安排尚未公布，公布后可能调整）"
            f" (provisional: the {years_en} public holidays are not yet published;"
            " the date may move once they are)"
        )
    return text


def remedies(src: Source) -> Line:
    zh, en = src.deps.catalogue.remedies(src.deps.catalogue.get(src.case.item_code))
    return Line("救济途径", "Remedies", f"{zh} / {en}")


def _reason(record: CaseRecord) -> Line:
    return Line("理由", "Reason", record.reason or NOT_GIVEN)


def _basis(record: CaseRecord, default: str | None = None) -> Line:
    return Line("法律依据", "Legal basis", record.legal_basis or default or NOT_GIVEN)


def receipt_of_materials(src: Source) -> list[Line]:
    codes = [str(c) for c in src.record.payload.get("materials", [])]
    return [
        Line(
            "收件时间", "Received at", f"{beijing_time(src.record.at)}（北京时间 / Beijing time）"
        ),
        Line(
            "收到材料", "Materials received", "\n".join(material_names(src, codes)) or "无 / none"
        ),
        *_files_received(src.record),
        _window(src),
    ]


def _files_received(record: CaseRecord) -> list[Line]:
    """The files uploaded with the application, each with its SHA-256 as the record keeps it
    (so the applicant can check a copy against the receipt)."""
    files = record.payload.get("files") or []
    lines = [
        f"{index}. {f['name']}（{f['material']}，{f['size']} 字节 / bytes）SHA-256 {f['sha256']}"
        for index, f in enumerate(files, start=1)
    ]
    return [Line("收到文件", "Files received", "\n".join(lines))] if lines else []


def _words(src: Source) -> tuple[str, str]:
    """How the item's days are written: 个工作日 / working days, or 日 / days."""
    unit = src.deps.catalogue.get(src.case.item_code).limit_unit
    return ("个工作日", "working days") if unit == "working_days" else ("日", "days")


def _unit_line(src: Source) -> Line:
    """Which days the limits count, with the rest-day end rule for natural days."""
    unit = src.deps.catalogue.get(src.case.item_code).limit_unit
    return Line("计算方式", "Days counted", f"{UNIT_TEXT_ZH[unit]} / {UNIT_TEXT_EN[unit]}")


def _window(src: Source) -> Line:
    """Art. 32 window, or, for items whose limit runs from receipt, the limit itself."""
    item = src.deps.catalogue.get(src.case.item_code)
    window = src.deps.catalogue.acceptance_window(item)
    zh, en = _words(src)
    if window == 0:
        text = f"自收件之日起 {item.limit} {zh} / {item.limit} {en} from receipt"
        if item.limit_unit != "working_days":
            text = (
                f"自收件之日起 {item.limit} {zh}（{UNIT_TEXT_ZH[item.limit_unit]}）"
                f" / {item.limit} {en} from receipt ({UNIT_TEXT_EN[item.limit_unit]})"
            )
        return Line("办理时限", "Time limit", text)
    return Line(
        "受理期限",
        "Acceptance window",
        # Art. 32 binds the supplement notice to these days; acceptance follows from item 4.
        f"申请材料不齐全的，自收件之日起 {window} {zh}内一次告知需补正的全部内容；"
        "逾期不告知的，自收到申请材料之日起即为受理"
        "（《中华人民共和国行政许可法》第三十二条第一款第（四）项）"
        f" / anything to supplement is told at once within {window} {en} of receipt;"
        " if not, the application counts as accepted from receipt (Art. 32(1)(4))",
    )


def acceptance(src: Source) -> list[Line]:
    item = src.deps.catalogue.get(src.case.item_code)
    zh, en = _words(src)
    return [
        Line(
            "受理时间", "Accepted at", f"{beijing_time(src.record.at)}（北京时间 / Beijing time）"
        ),
        Line(
            "办理时限",
            "Time limit",
            f"法定 {item.limit} {zh}，承诺 {item.promised_limit} {zh}"
            f" / statutory {item.limit}, promised {item.promised_limit} {en}",
        ),
        _unit_line(src),
        Line("法定办结期限", "Statutory due date", _due_date(src, src.history)),
        _basis(src.record, bases(item.limit_basis)),
    ]


def rejection(src: Source) -> list[Line]:
    return [
        Line("不予受理理由", "Reason for non-acceptance", src.record.reason or NOT_GIVEN),
        _basis(src.record),
        Line(
            "其他途径",
            "Where to apply instead",
            str(src.record.payload.get("refer_to") or "见不予受理理由 / see the reason above"),
        ),
        remedies(src),
    ]


def supplement_notice(src: Source) -> list[Line]:
    codes = [str(c) for c in src.record.payload.get("materials", [])]
    return [
        Line(
            "需补正的全部材料", "All materials to supplement", "\n".join(material_names(src, codes))
        ),
        _reason(src.record),
        _basis(src.record, "《中华人民共和国行政许可法》第三十二条 (Art. 32)"),
        Line(
            "告知",
            "Note",
            "以上为需补正的全部内容，请一次性补正；补正期间不计入办理时限。"
            " / This lists everything missing at once;"
            " the time taken to supplement is not counted.",
        ),
    ]


def special_procedure_notice(src: Source) -> list[Line]:
    code = str(src.record.payload.get("stop_type", ""))
    stop = src.deps.catalogue.stop_types.get(code)
    name = f"{stop.name_zh}（{stop.name_en}）" if stop else code
    expected = src.record.payload.get("expected_days")
    counted = "所需时间不计入办理时限 / this time is not counted toward the limit"
    if stop is not None and not stop.excludes_time:
        counted = "办理时限照常计算 / the time limit keeps running"
    return [
        Line("特别程序", "Special procedure", name),
        _basis(src.record, bases(stop.legal_basis) if stop else None),
        Line("预计所需时间", "Expected duration", f"{expected} 日 / {expected} days"),
        Line("时限", "Clock", counted),
        _reason(src.record),
    ]


def _extension_reason(src: Source) -> str | None:
    """Why the limit was extended (Art. 42): the request's reason, which the head approved;
    the approval's own remark (e.g. 同意延期) only when the request gave none."""
    for record in reversed(src.history[:-1]):
        if record.action == "approve_extension":
            break
        if record.action == "extend" and record.reason:
            return record.reason
    return src.record.reason


def extension_notice(src: Source) -> list[Line]:
    days = src.record.payload.get("days")
    zh, en = _words(src)
    return [
        Line("延期理由", "Reason for extension", _extension_reason(src) or NOT_GIVEN),
        Line("延长期限", "Extended by", f"{days} {zh} / {days} {en}"),
        Line("原办结期限", "Previous due date", _due_date(src, src.history[:-1])),
        Line("延期后办结期限", "New due date", _due_date(src, src.history)),
        _basis(src.record, "《中华人民共和国行政许可法》第四十二条 (Art. 42)"),
    ]


def decision(src: Source) -> list[Line]:
    """Art. 38: a grant or a denial, with its number, reasons, basis and date; a denial also
    tells the applicant how to challenge it. An approval without its own reason and basis
    rests on the item's conditions and statute (the catalogue's legal basis)."""
    record = src.record
    approved = record.payload.get("decision") == "approved"
    item = src.deps.catalogue.get(src.case.item_code)
    outcome = "准予 / granted" if approved else "不予准许 / denied"
    lines = [
        Line("决定文号", "Decision number", str(record.payload.get("decision_no") or NOT_GIVEN)),
        Line("决定", "Decision", outcome),
        Line("理由", "Reason", record.reason or (APPROVED_REASON if approved else NOT_GIVEN)),
        _basis(record, bases(item.legal_basis) if approved else None),
        Line("决定日期", "Date of decision", day(legal_date(record.at))),
    ]
    if not approved:
        lines.append(remedies(src))
    return lines


BUILDERS: dict[str, Callable[[Source], list[Line]]] = {
    "receipt_of_materials": receipt_of_materials,
    "acceptance": acceptance,
    "rejection": rejection,
    "supplement_notice": supplement_notice,
    "special_procedure_notice": special_procedure_notice,
    "extension_notice": extension_notice,
    "decision": decision,
}
