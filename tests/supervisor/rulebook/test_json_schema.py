"""The JSON Schema of the rule files: valid 2020-12, accepts the shipped files, refuses faults."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from approval_core.catalogue import Catalogue
from supervisor.fields import FIELDS
from supervisor.rulebook import rulebook_json_schema
from tests.catalogue.support import RULES

RULE_FILES = ("timeliness.yaml", "procedure.yaml", "fees.yaml")


def load(name: str) -> Any:
    return yaml.safe_load((RULES / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module", params=[False, True], ids=["plain", "with-catalogue"])
def validator(request: pytest.FixtureRequest, catalogue: Catalogue) -> Draft202012Validator:
    schema = rulebook_json_schema(catalogue if request.param else None)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def errors(validator: Draft202012Validator, data: Any) -> list[str]:
    return ["/".join(map(str, e.absolute_path)) for e in validator.iter_errors(data)]


@pytest.mark.parametrize("name", RULE_FILES)
def test_the_shipped_files_are_valid(validator: Draft202012Validator, name: str) -> None:
    assert errors(validator, load(name)) == []


def test_the_schema_is_json_and_names_fields_operators_and_levels() -> None:
    schema = rulebook_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    json.dumps(schema, ensure_ascii=False)
    comparison = schema["$defs"]["comparison"]
    assert comparison["properties"]["field"]["enum"] == [f.name for f in FIELDS]
    assert {"eq", "lte", "in", "not_in", "exists", "missing", "contains"} <= set(
        comparison["properties"]
    )
    rule = schema["$defs"]["rule"]
    assert rule["properties"]["level"]["enum"] == ["warning", "yellow", "red", "anomaly"]
    assert rule["properties"]["concerns"]["items"]["enum"] == ["handler", "head", "supervisor"]
    description = rule["properties"]["legal_basis"]["description"]
    assert "法律依据" in description
    assert "statute" in description


def test_item_codes_are_listed_when_the_catalogue_is_given(catalogue: Catalogue) -> None:
    schema = rulebook_json_schema(catalogue)
    assert schema["$defs"]["ItemFee"]["properties"]["item"]["enum"] == list(catalogue.items)
    clauses = schema["$defs"]["comparison"]["allOf"]
    item = next(c for c in clauses if c["if"]["properties"]["field"]["const"] == "item")
    assert item["then"]["properties"]["eq"]["anyOf"][0]["enum"] == list(catalogue.items)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"field": "remaining", "lte": "3"}, "rules/0/when"),  # a quoted number
        ({"field": "remainin", "lte": 3}, "rules/0/when"),  # an unknown field
        ({"field": "running", "lt": True}, "rules/0/when"),  # lt on a bool
        ({"field": "event", "eq": "rejct"}, "rules/0/when"),  # an unknown event
        ({"field": "reviews", "le": 0}, "rules/0/when"),  # an unknown operator
        ({"field": "reviews", "eq": 0, "lt": 1}, "rules/0/when"),  # two operators
        ({"not": {"field": "reviews", "eq": 0}}, "rules/0/when"),  # no not
        ({"field": "reviews", "gte": 200}, "rules/0/when"),  # out of range
    ],
)
def test_broken_conditions_are_refused(
    validator: Draft202012Validator, change: dict[str, Any], where: str
) -> None:
    data = load("procedure.yaml")
    data["rules"][0]["when"] = change
    assert errors(validator, data) == [where]


def test_broken_rules_and_sections_are_refused(validator: Draft202012Validator) -> None:
    data = load("timeliness.yaml")
    data["supervision"]["rules"][0]["level"] = "orange"
    data["supervision"]["rules"][1]["concern"] = ["handler"]
    del data["supervision"]["ladder"]["red_overdue_days"]
    data["supervison"] = {}
    assert sorted(errors(validator, data)) == [
        "",  # supervison: unknown section
        "supervision/ladder",  # red_overdue_days missing
        "supervision/rules/0/level",
        "supervision/rules/1",  # concern: unknown key
    ]
