"""What a receipt is: its kind, standard header, kind-specific lines and verification code."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

# Kind -> (title, English subtitle); the kinds are the record's documents_out values.
TITLES: dict[str, tuple[str, str]] = {
    "receipt_of_materials": ("申请材料接收凭证", "Receipt of Application Materials"),
    "acceptance": ("受理决定书（受理回执）", "Notice of Acceptance"),
    "rejection": ("不予受理告知书（不受理回执）", "Notice of Non-acceptance"),
    "supplement_notice": ("补正材料通知书", "Notice to Supplement Materials"),
    "special_procedure_notice": ("特别程序告知书", "Notice of Special Procedure"),
    "extension_notice": ("延期告知书", "Notice of Extension"),
    "decision": ("决定书", "Decision"),  # titled by item kind and outcome (receipts/service.py)
}
KINDS = tuple(TITLES)

# Short codes used in receipt numbers (拼音 initials of the notice's name).
NUMBER_CODES = {
    "receipt_of_materials": "JS",
    "acceptance": "SL",
    "rejection": "BSL",
    "supplement_notice": "BZ",
    "special_procedure_notice": "TB",
    "extension_notice": "YQ",
    "decision": "JD",
}


@dataclass(frozen=True)
class Line:
    """One labelled line of a receipt's body; `value` is shown as written (Chinese first)."""

    label_zh: str
    label_en: str
    value: str


@dataclass(frozen=True)
class Receipt:
    """A receipt as printed. `code` and `digest` cover `facts`, the record-derived content."""

    kind: str
    title_zh: str
    title_en: str
    number: str
    issued_on: date
    tracking_no: str
    record_seq: int
    department_zh: str
    department_en: str
    department_address: str
    department_phone: str
    supervision_phone: str
    applicant_name: str
    applicant_id_masked: str
    item_zh: str
    item_en: str
    lines: tuple[Line, ...]
    notes: tuple[str, ...]
    code: str
    digest: str

    @property
    def printed_code(self) -> str:
        """The code as printed, in groups of four (XXXX-XXXX-XXXX-XXXX)."""
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))

    def summary(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "number": self.number,
            "date": self.issued_on.isoformat(),
            "record_seq": self.record_seq,
            "verification_code": self.printed_code,
        }

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["issued_on"] = self.issued_on.isoformat()
        data["verification_code"] = self.printed_code
        data["lines"] = [asdict(line) for line in self.lines]
        data["notes"] = list(self.notes)
        return data
