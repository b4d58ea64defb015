"""The rulebook: rule files loaded, validated against the fact fields, and compiled."""

from supervisor.rulebook.compiled import (
    LEVELS,
    AllOf,
    AnyOf,
    Compare,
    CompiledRule,
    Condition,
    RuleSet,
)
from supervisor.rulebook.json_schema import rulebook_json_schema
from supervisor.rulebook.service import (
    MAX_RULES,
    RULE_FILES,
    RuleFile,
    check_rulebook,
    load_rulebook,
)

__all__ = [
    "LEVELS",
    "MAX_RULES",
    "RULE_FILES",
    "AllOf",
    "AnyOf",
    "Compare",
    "CompiledRule",
    "Condition",
    "RuleFile",
    "RuleSet",
    "check_rulebook",
    "load_rulebook",
    "rulebook_json_schema",
]
