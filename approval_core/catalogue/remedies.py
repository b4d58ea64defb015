"""How a decision states one remedy against it (救济途径): body, period and basis, zh and en."""

from __future__ import annotations

from approval_core.catalogue.schemas import Remedy

_REMEDY_WORDS = {
    "objection": ("提出异议", "raise an objection with"),
    "reconsideration": ("申请行政复议", "apply for administrative reconsideration to"),
    "litigation": ("提起行政诉讼", "bring an administrative lawsuit before"),
}


def remedy_zh(remedy: Remedy, kind: str) -> str:
    """One remedy as a decision prints it: 可以自知道该决定之日起…内向…申请行政复议（依据）."""
    basis = "、".join(f"{b.statute}{b.article}" for b in remedy.legal_basis)
    when = ""
    if remedy.days or remedy.months:
        period = f"{remedy.days}日" if remedy.days else f"{remedy.months}个月"
        when = f"自知道该决定之日起{period}内"
    return f"可以{when}向{remedy.body_zh}{_REMEDY_WORDS[kind][0]}（{basis}）"


def remedy_en(remedy: Remedy, kind: str) -> str:
    """One remedy in English: may apply for … to … within … (basis)."""
    basis = ", ".join(f"{b.statute_en} {b.article_en}" for b in remedy.legal_basis)
    text = f"may {_REMEDY_WORDS[kind][1]} {remedy.body_en}"
    if remedy.days or remedy.months:
        period = f"{remedy.days} days" if remedy.days else f"{remedy.months} months"
        text += f" within {period} of learning of the decision"
    return f"{text} ({basis})"
