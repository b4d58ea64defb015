"""The typed catalogue of fact fields: the only names a rule condition may use.

A fact is flat: the event that happened plus the derived figures of the case (or of a catalogue
item, for disclosure checks). Everything that needs a calendar, a fee table or the database is
computed in Python before the rules see the fact; rules only compare these fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from approval_core.aftercare.kinds import CHANNELS, COMPLAINT_STATES, RATING_LEVELS
from approval_core.cases.workflow import ACTIONS

FieldType = Literal["int", "number", "bool", "str", "list"]


@dataclass(frozen=True)
class FactField:
    name: str
    type: FieldType
    zh: str
    en: str
    # Inclusive bounds a literal compared with this field must respect (thresholds in range).
    minimum: float | None = None
    maximum: float | None = None
    # Known values for a str field (None: any text; "@items"/"@departments": the catalogue's).
    choices: tuple[str, ...] | str | None = None


# Workflow actions, plus the events the supervisor itself produces.
_ACTIONS = (
    *ACTIONS,
    "submit",
    "sweep",
    "clock_recomputed",
    "change_after_conclusion",
    "disclosure_check",
    "rating",
    "complaint",
    "complaint_check",
)
_STATES = (
    "submitted",
    "registered",
    "supplementing",
    "accepted",
    "handling",
    "reviewing",
    "reviewed",
    "suspended",
    "concluded",
    "rejected",
    "withdrawn",
)
_STEPS = ("register", "accept", "supplement", "assign", "handle", "review", "conclude", "done")
_DAYS = (-10000.0, 10000.0)
_SUBJECTS = ("case", "item", "complaint")

FIELDS: tuple[FactField, ...] = (
    FactField("subject", "str", "事实对象", "what the fact is about", choices=_SUBJECTS),
    FactField("event", "str", "触发事件", "the event that produced the fact", choices=_ACTIONS),
    FactField("actor_role", "str", "操作人角色", "role of the person who acted"),
    FactField("item", "str", "事项编码", "catalogue item code", choices="@items"),
    FactField("item_name", "str", "事项名称", "item name (Chinese)"),
    FactField("item_name_en", "str", "事项名称（英文）", "item name (English)"),
    FactField("category", "str", "事项类别", "catalogue category code"),
    FactField(
        "department", "str", "责任部门", "responsible department code", choices="@departments"
    ),
    FactField("state", "str", "案件状态", "case state", choices=_STATES),
    FactField("decision", "str", "办理决定", "decision", choices=("approved", "denied")),
    FactField("step", "str", "当前环节", "current step", choices=_STEPS),
    FactField("step_name", "str", "当前环节名称", "name of the current step (Chinese)"),
    FactField("step_name_en", "str", "当前环节名称（英文）", "name of the current step (English)"),
    FactField("stop_type", "str", "中止类型", "type of the open clock stop"),
    FactField("tracking_no", "str", "办件编号", "the case's tracking number (heads alert texts)"),
    FactField(
        "figures_on", "str", "数字截至日期", "the date (YYYY-MM-DD) the fact's figures hold for"
    ),
    FactField(
        "day_unit",
        "str",
        "时限计算单位",
        "unit of the item's periods",
        choices=("working_days", "natural_days"),
    ),
    FactField(
        "day_word", "str", "时限单位用语（工作日/日）", "unit word in Chinese (工作日 or 日)"
    ),
    FactField("day_word_en", "str", "时限单位用语（英文）", "unit word in English"),
    FactField(
        "stop_notice_given",
        "bool",
        "已书面告知特别程序所需时间",
        "the applicant was told in writing how long the special procedure takes (Art. 45)",
    ),
    FactField(
        "stop_excludes_time",
        "bool",
        "该特别程序不计入时限",
        "the stop type's time is not counted (rules/timeliness.yaml)",
    ),
    FactField("limit", "int", "法定时限（工作日）", "statutory limit (working days)", 0, 1000),
    FactField(
        "extension", "int", "有效延期（工作日）", "effective extension (working days)", 0, 1000
    ),
    FactField("elapsed", "int", "已用工作日", "working days counted", 0, 10000),
    FactField(
        "remaining", "int", "剩余工作日", "working days left (negative when overdue)", *_DAYS
    ),
    FactField("overdue", "int", "超期工作日", "working days overdue", 0, 10000),
    FactField("stopped", "int", "中止（不计时）工作日", "working days excluded by stops", 0, 10000),
    FactField("running", "bool", "正在计时", "the review clock is running"),
    FactField("deemed_accepted", "bool", "视为受理", "deemed accepted (Art. 32)"),
    FactField("provisional", "bool", "临时日历", "depends on a calendar year not entered"),
    FactField(
        "promised_remaining", "int", "承诺时限剩余", "working days left on the promise", *_DAYS
    ),
    FactField("promised_overdue", "int", "超出承诺时限", "working days past the promise", 0, 10000),
    FactField(
        "step_elapsed", "int", "本环节已用工作日", "working days in the current step", 0, 10000
    ),
    FactField("step_limit", "int", "本环节时限（0 为无）", "limit of the step (0: none)", 0, 1000),
    FactField("step_over", "int", "本环节超时工作日", "working days over the step limit", 0, 10000),
    FactField("missing_materials", "list", "缺少的必要材料", "mandatory materials missing"),
    FactField(
        "missing_materials_count", "int", "缺少必要材料数", "mandatory materials missing", 0, 1000
    ),
    FactField(
        "supplement_notices_before_acceptance",
        "int",
        "受理前补正通知次数",
        "supplement notices before acceptance",
        0,
        100,
    ),
    FactField("reason_given", "bool", "已说明理由", "the event states a reason"),
    FactField(
        "backdated_hours",
        "number",
        "补录滞后小时数",
        "hours by which the action was recorded after the moment it says it happened",
        0,
        1e6,
    ),
    FactField(
        "backdate_tolerance_hours",
        "int",
        "补录时限（小时）",
        "hours an action may be recorded late without a reason (clock.backdate_tolerance_hours)",
        0,
        8760,
    ),
    FactField("legal_basis_given", "bool", "已写明法律依据", "the event cites a legal basis"),
    FactField("reviews", "int", "审核次数", "reviews recorded", 0, 100),
    FactField(
        "same_handler_reviewer",
        "bool",
        "承办与审核为同一人",
        "the same person handled and reviewed",
    ),
    FactField("extensions_approved", "int", "批准延期次数", "extensions approved", 0, 100),
    FactField("extension_days", "int", "本次延期天数", "days of this extension", 0, 1000),
    FactField("max_extension_days", "int", "最长可延期天数", "longest lawful extension", 0, 1000),
    FactField(
        "extension_by_head", "bool", "延期经负责人批准", "the extension was approved by a head"
    ),
    FactField(
        "extension_after_deadline",
        "bool",
        "期限届满后延期",
        "the extension was approved after the deadline passed",
    ),
    FactField("fee_amount", "number", "本次收费金额（元）", "amount charged (yuan)", 0, 1e9),
    FactField("fee_code", "str", "收费项目编码", "fee code charged"),
    FactField("fee_item_free", "bool", "事项依法不收费", "the item is free by law"),
    FactField(
        "fee_in_catalogue", "bool", "收费项目在收费目录内", "the fee code is in the catalogue"
    ),
    FactField("fee_standard", "number", "收费标准（元）", "standard amount (yuan)", 0, 1e9),
    FactField(
        "yellow_unanswered_days",
        "int",
        "黄牌未回告工作日",
        "working days a yellow card has gone without response",
        0,
        10000,
    ),
    FactField("disclosure_missing", "list", "未公开的要素", "disclosure fields missing"),
    FactField(
        "disclosure_missing_count", "int", "未公开要素数", "disclosure fields missing", 0, 100
    ),
    FactField("rating_level", "str", "好差评等级", "rating level", choices=RATING_LEVELS),
    FactField("rating_negative", "bool", "差评", "the rating is negative (不满意/非常不满意)"),
    FactField("complaint_id", "int", "投诉编号", "complaint number", 0, 1e12),
    FactField("complaint_channel", "str", "投诉渠道", "complaint channel", choices=CHANNELS),
    FactField("complaint_status", "str", "投诉状态", "complaint status", choices=COMPLAINT_STATES),
    FactField(
        "complaint_overdue_days",
        "int",
        "投诉超期未受理工作日",
        "working days past the complaint's acceptance limit",
        0,
        10000,
    ),
)

BY_NAME: dict[str, FactField] = {f.name: f for f in FIELDS}
