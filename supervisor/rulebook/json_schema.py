"""A JSON Schema (draft 2020-12) of the rule files, so that editors complete and check them.

One schema fits rules/timeliness.yaml, procedure.yaml and fees.yaml (each uses some of its
top-level sections). It names every fact field, operator, level and concern, and for each field
the operators and values that suit its type, with descriptions in Chinese and English. It checks
the shape only: the loader (`load_rulebook`) remains the judge, with positions and the checks a
schema cannot make (ladder gaps, duplicate ids across files, catalogue codes without a catalogue).
Published by `sunlight rules schema`; `# yaml-language-server: $schema=...` in a file uses it.
"""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from approval_core.catalogue.fees import ItemFee
from approval_core.catalogue.schemas import ClockSettings
from approval_core.catalogue.service import Catalogue
from supervisor.fields import FIELDS, FactField
from supervisor.rulebook.compiled import LEVELS
from supervisor.rulebook.conditions import OPS
from supervisor.rulebook.schemas import PARAM_PATTERN, RULE_ID_PATTERN
from supervisor.rulebook.service import MAX_RULES
from supervisor.rulebook.values import OPS_FOR_TYPE

_REF = "#/$defs/{}"
_OP_TEXT = {
    "eq": "等于 / equals",
    "ne": "不等于（字段缺失时为假）/ differs from (false when the field is missing)",
    "lt": "小于 / less than",
    "lte": "小于或等于 / at most",
    "gt": "大于 / greater than",
    "gte": "大于或等于 / at least",
    "in": "属于列表之一 / one of the list",
    "not_in": "不属于列表中任何一项 / none of the list",
    "exists": "字段存在（true）或不存在（false）/ the field is present (true) or absent (false)",
    "missing": "字段不存在（true）/ the field is absent (true)",
    "contains": "列表字段包含该值 / the list field contains the value",
}
_LEVEL_TEXT = {
    "warning": "预警：告知承办人，原因消失后自动解除 / warning: the handler; resolves by itself",
    "yellow": "黄牌：承办人与部门负责人，须回告 / yellow card: handler and head; needs a response",
    "red": "红牌：部门负责人与监察人员 / red card: head and supervisor",
    "anomaly": "异常：程序、材料、收费或公开违规 / anomaly: procedure, materials, fee, disclosure",
}
_CONCERNS = ("handler", "head", "supervisor")


def rulebook_json_schema(catalogue: Catalogue | None = None) -> dict[str, Any]:
    """The schema as a JSON-ready dict; with `catalogue`, item and department codes are enums."""
    defs = _catalogue_defs(catalogue)
    defs.update(_reference_defs())
    defs.update(_condition_defs(catalogue))
    defs.update(_rule_defs())
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "阳光审批规则文件 / Sunlight rule file",
        "description": "rules/timeliness.yaml、procedure.yaml、fees.yaml 的格式 / the format of "
        "rules/timeliness.yaml, procedure.yaml and fees.yaml",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "clock": _ref("ClockSettings", "法定计时规则（审批事项目录读取）/ the legal clock"),
            "supervision": _ref("supervision", "时效监察阶梯 / the timeliness ladder"),
            "rules": _rules_list("本文件的规则 / the rules of this file"),
            "fees": {
                "type": "array",
                "minItems": 1,
                "items": {"$ref": _REF.format("ItemFee")},
                "description": "各事项的收费标准 / the fee standard of each item",
            },
        },
        "$defs": defs,
    }


def _ref(name: str, description: str) -> dict[str, Any]:
    return {"$ref": _REF.format(name), "description": description}


def _rules_list(description: str) -> dict[str, Any]:
    return {
        "type": "array",
        "maxItems": MAX_RULES,
        "items": {"$ref": _REF.format("rule")},
        "description": description,
    }


def _catalogue_defs(catalogue: Catalogue | None) -> dict[str, Any]:
    """The catalogue's sections (clock:, fees:) as its pydantic models describe them."""
    _, top = models_json_schema(
        [(ClockSettings, "validation"), (ItemFee, "validation")], ref_template="#/$defs/{model}"
    )
    defs: dict[str, Any] = dict(top["$defs"])
    if catalogue is not None:
        defs["ItemFee"]["properties"]["item"]["enum"] = list(catalogue.items)
    return defs


def _reference_defs() -> dict[str, Any]:
    return {
        "fieldRef": {
            "type": "object",
            "description": "与事实的另一字段比较 / compare with another field of the fact",
            "required": ["field"],
            "additionalProperties": False,
            "properties": {"field": _field_names()},
        },
        "paramRef": {
            "type": "object",
            "description": "引用 params（或 ladder）中的参数 / a parameter of params (or ladder)",
            "required": ["param"],
            "additionalProperties": False,
            "properties": {"param": {"type": "string", "pattern": f"^{PARAM_PATTERN}$"}},
        },
        "scalar": {"type": ["string", "number", "boolean"]},
    }


def _field_names() -> dict[str, Any]:
    return {
        "enum": [f.name for f in FIELDS],
        "enumDescriptions": [f"{f.zh} / {f.en} ({f.type})" for f in FIELDS],
        "description": "事实字段（见 supervisor/fields.py）/ a fact field (supervisor/fields.py)",
    }


def _condition_defs(catalogue: Catalogue | None) -> dict[str, Any]:
    group = {
        "type": "array",
        "minItems": 1,
        "items": {"$ref": _REF.format("condition")},
    }
    return {
        "condition": {
            "description": "条件：all、any 或一个比较 / a condition: all, any or one comparison",
            "anyOf": [{"$ref": _REF.format(k)} for k in ("all", "any", "comparison")],
        },
        "all": _group("all", "全部成立 / all of these hold", group),
        "any": _group("any", "任一成立 / at least one of these holds", group),
        "comparison": _comparison(catalogue),
    }


def _group(key: str, description: str, items: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": [key],
        "additionalProperties": False,
        "properties": {key: {**items, "description": description}},
    }


def _comparison(catalogue: Catalogue | None) -> dict[str, Any]:
    ops: dict[str, Any] = {op: {"description": _OP_TEXT[op]} for op in OPS}
    return {
        "type": "object",
        "description": "一个比较：{field: 字段, 运算符: 值} / one comparison: {field: name, op: "
        "value}",
        "required": ["field"],
        "minProperties": 2,
        "maxProperties": 2,
        "additionalProperties": False,
        "properties": {"field": _field_names(), **ops},
        "allOf": [_field_clause(f, catalogue) for f in FIELDS],
    }


def _field_clause(fact: FactField, catalogue: Catalogue | None) -> dict[str, Any]:
    """Operators and values allowed when the comparison names `fact`."""
    literal = _literal(fact, catalogue)
    refs = [{"$ref": _REF.format("fieldRef")}, {"$ref": _REF.format("paramRef")}]
    param = {"$ref": _REF.format("paramRef")}
    props: dict[str, Any] = {}
    for op in OPS_FOR_TYPE[fact.type]:
        if op in ("exists", "missing"):
            props[op] = {"type": "boolean"}
        elif op in ("in", "not_in"):
            props[op] = {"anyOf": [{"type": "array", "minItems": 1, "items": literal}, param]}
        elif op == "contains":
            props[op] = {"anyOf": [{"type": "string"}, param]}
        else:
            props[op] = {"anyOf": [literal, *refs]}
    return {
        "if": {"properties": {"field": {"const": fact.name}}, "required": ["field"]},
        "then": {
            "propertyNames": {"enum": ["field", *OPS_FOR_TYPE[fact.type]]},
            "properties": props,
        },
    }


def _literal(fact: FactField, catalogue: Catalogue | None) -> dict[str, Any]:
    if fact.type in ("int", "number"):
        schema: dict[str, Any] = {"type": "integer" if fact.type == "int" else "number"}
        if fact.minimum is not None:
            schema["minimum"] = fact.minimum
        if fact.maximum is not None:
            schema["maximum"] = fact.maximum
        return schema
    if fact.type == "bool":
        return {"type": "boolean"}
    schema = {"type": "string"}
    if isinstance(fact.choices, tuple):
        schema["enum"] = list(fact.choices)
    elif catalogue is not None and fact.choices == "@items":
        schema["enum"] = list(catalogue.items)
    elif catalogue is not None and fact.choices == "@departments":
        schema["enum"] = list(catalogue.departments)
    return schema


def _rule_defs() -> dict[str, Any]:
    return {
        "supervision": _supervision(),
        "ladder": _ladder(),
        "rule": {
            "type": "object",
            "description": "一条规则 / one rule",
            "additionalProperties": False,
            "required": [
                *("id", "title_zh", "title_en", "level", "when"),
                *("legal_basis", "concerns", "message_zh", "message_en"),
            ],
            "properties": {**_rule_texts(), **_rule_settings()},
        },
    }


def _rule_texts() -> dict[str, Any]:
    text = {"type": "string", "minLength": 1}
    return {
        "id": {
            "type": "string",
            "pattern": f"^{RULE_ID_PATTERN}$",
            "description": "规则编号，所有文件中唯一 / rule id, unique across all files",
        },
        "title_zh": {**text, "description": "中文标题 / title in Chinese"},
        "title_en": {**text, "description": "英文标题 / title in English"},
        "legal_basis": {**text, "description": "法律依据（法规与条款）/ statute and article"},
        "message_zh": {**text, "description": "中文消息，{字段} 取自事实 / {field} is filled in"},
        "message_en": {**text, "description": "英文消息 / message in English"},
    }


def _rule_settings() -> dict[str, Any]:
    scalar = {"$ref": _REF.format("scalar")}
    return {
        "level": {
            "enum": list(LEVELS),
            "enumDescriptions": [_LEVEL_TEXT[level] for level in LEVELS],
            "description": "级别 / level",
        },
        "when": _ref("condition", "触发条件 / when the rule fires"),
        "concerns": {
            "type": "array",
            "minItems": 1,
            "items": {"enum": list(_CONCERNS)},
            "description": "告知谁：承办人、负责人、监察人员 / who is told",
        },
        "params": {
            "type": "object",
            "propertyNames": {"pattern": f"^{PARAM_PATTERN}$"},
            "additionalProperties": {
                "anyOf": [scalar, {"type": "array", "minItems": 1, "items": scalar}]
            },
            "description": "本规则的参数（阈值）/ the rule's parameters (thresholds)",
        },
        "cause_field": {
            **_field_names(),
            "description": "其值区分告警原因的字段（如 step）/ the field that tells causes apart",
        },
        "response_days": {
            "anyOf": [{"type": "integer", "minimum": 1}, {"$ref": _REF.format("paramRef")}],
            "description": "回告期限（工作日）/ working days to respond to the card",
        },
    }


def _supervision() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["ladder", "rules"],
        "additionalProperties": False,
        "properties": {
            "ladder": _ref("ladder", "阶梯阈值（工作日）/ ladder thresholds (working days)"),
            "rules": _rules_list("时效规则 / timeliness rules"),
        },
    }


def _ladder() -> dict[str, Any]:
    def days(zh: str, en: str, minimum: int | None = None) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "integer", "description": f"{zh} / {en}"}
        if minimum is not None:
            schema["minimum"] = minimum
        return schema

    return {
        "type": "object",
        "required": ["warning_days", "yellow_overdue_days", "red_overdue_days"]
        + ["yellow_response_days"],
        "additionalProperties": False,
        "properties": {
            "warning_days": days("剩余不超过此数时预警（≥1）", "warn at this many days left", 1),
            "yellow_overdue_days": days("超期达到此数亮黄牌（须为 1）", "yellow card (must be 1)"),
            "red_overdue_days": days("超期达到此数亮红牌（大于黄牌）", "red card (above yellow)"),
            "yellow_response_days": days("黄牌回告期限", "days to respond to a yellow card", 1),
        },
    }
