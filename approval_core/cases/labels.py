"""Names people read for the workflow's codes: states, steps, actions and roles, (Chinese,
English). Answers carry them beside the codes; error texts use them. (tests/cases/test_labels.py
checks that every code of the workflow has its names.)"""

from __future__ import annotations

STATE_LABELS: dict[str, tuple[str, str]] = {
    "submitted": ("已申报", "submitted"),
    "registered": ("已登记", "registered"),
    "supplementing": ("补正中", "awaiting supplementary materials"),
    "accepted": ("已受理", "accepted"),
    "handling": ("承办中", "being handled"),
    "reviewing": ("审核中", "under review"),
    "reviewed": ("已审核", "reviewed"),
    "suspended": ("特别程序中", "in a special procedure"),
    "concluded": ("已办结", "concluded"),
    "rejected": ("不予受理", "not accepted"),
    "withdrawn": ("已撤回", "withdrawn"),
}

STEP_LABELS: dict[str, tuple[str, str]] = {
    "register": ("登记", "registration"),
    "accept": ("受理", "acceptance"),
    "supplement": ("补正", "supplement"),
    "assign": ("分办", "assignment"),
    "handle": ("承办", "handling"),
    "review": ("审核", "review"),
    "conclude": ("决定", "decision"),
    "done": ("办结", "concluded"),
}

ACTION_LABELS: dict[str, tuple[str, str]] = {
    "submit": ("申报", "submit"),
    "register": ("登记", "register"),
    "accept": ("受理", "accept"),
    "reject": ("不予受理", "reject"),
    "request_supplement": ("通知补正", "request supplementary materials"),
    "supplement_received": ("收到补正材料", "supplement received"),
    "assign": ("分办", "assign"),
    "handle": ("承办", "handle"),
    "review": ("审核", "review"),
    "stop": ("进入特别程序", "stop the clock"),
    "resume": ("恢复计时", "resume the clock"),
    "extend": ("申请延期", "request an extension"),
    "approve_extension": ("批准延期", "approve the extension"),
    "return": ("回退", "return to an earlier step"),
    "conclude": ("作出决定", "conclude"),
    "withdraw": ("撤回申请", "withdraw"),
    "charge_fee": ("收费", "charge a fee"),
}

ROLE_LABELS: dict[str, tuple[str, str]] = {
    "applicant": ("申请人", "applicant"),
    "clerk": ("窗口受理人员", "clerk"),
    "handler": ("承办人", "handler"),
    "reviewer": ("审核人", "reviewer"),
    "head": ("负责人", "head"),
    "supervisor": ("监察人员", "supervisor"),
    "policy": ("法规人员", "policy staff"),
    "admin": ("系统管理员", "administrator"),
}


def label(table: dict[str, tuple[str, str]], code: str | None) -> dict[str, str] | None:
    """`{"zh": ..., "en": ...}` for a code (the code itself when the table lacks it)."""
    if code is None:
        return None
    zh, en = table.get(code, (code, code))
    return {"zh": zh, "en": en}


def zh(table: dict[str, tuple[str, str]], code: str) -> str:
    """ "中文名（code）", as Chinese error texts name a code the client sends."""
    return f"{table.get(code, (code,))[0]}（{code}）"
