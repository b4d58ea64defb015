"""Schemathesis over the whole API, in process, with an admin token: data that fits the
OpenAPI document and data that does not, for every operation (and, for the case routes, on
a real case). No answer may be a 500; every 4xx/5xx must be problem+json; every status must
be one the document declares. The counts are printed (`pytest -s` shows them).

SUNLIGHT_FUZZ_EXAMPLES sets the examples per operation and mode (default 20: a minute or two).
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import content_type_conformance, status_code_conformance
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok

from api.app import create_app
from api.deps import ServiceState
from approval_core.context import CoreDeps
from tests.conftest import People
from tests.security.support import PROBLEM, file_case

EXAMPLES = int(os.environ.get("SUNLIGHT_FUZZ_EXAMPLES", "20"))
# Each of these loads a whole policy (a second or more): a few examples are enough.
HEAVY = frozenset(
    {"/api/v1/policy/backtest", "/api/v1/policy/reload", "/api/v1/supervision/rules/reload"}
)


@dataclass
class Tally:
    by_status: Counter[int] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def report(self) -> str:
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(self.by_status.items()))
        return f"schemathesis: {sum(self.by_status.values())} requests ({statuses})"


def _fuzz(operation: Any, mode: GenerationMode, token: str, tally: Tally, **fixed: Any) -> None:
    strategy = operation.as_strategy(generation_mode=mode, **fixed)

    @given(case=strategy)
    @settings(
        max_examples=min(EXAMPLES, 3) if operation.path in HEAVY else EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
        response = case.call()
        tally.by_status[response.status_code] += 1
        where = f"{case.method} {case.formatted_path} ({mode})"
        if response.status_code >= 500:
            tally.problems.append(f"{where}: {response.status_code} {response.text[:300]}")
        if response.status_code >= 400:
            kind = response.headers.get("content-type", [""])[0]
            if not kind.startswith(PROBLEM):
                tally.problems.append(f"{where}: {response.status_code} as {kind}")
        try:
            case.validate_response(
                response, checks=[status_code_conformance, content_type_conformance]
            )
        except FailureGroup as failures:
            tally.problems.append(f"{where}: {failures.exceptions[0].title}")

    try:
        run()
    except Unsatisfiable:
        assert mode is GenerationMode.NEGATIVE  # nothing to get wrong: no parameter, no body


def test_the_whole_api_never_answers_500_and_always_with_problems(
    service: ServiceState, people: People, core: CoreDeps, figures: list[str]
) -> None:
    service.limiter.limit = 10**9  # reach the look-ups themselves, not only the limiter's 429
    app = create_app(service)
    case = file_case(TestClient(app), people, core)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    tally = Tally()
    token = people.tokens["admin"]
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result.err()  # the document itself is valid
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, token, tally)
        names = {p.name for p in operation.path_parameters}
        if "case_id" in names:  # deeper: the same operation on a real case
            _fuzz(
                operation,
                GenerationMode.POSITIVE,
                token,
                tally,
                path_parameters={"case_id": case["id"]},
            )
    figures.append(tally.report())
    assert tally.by_status[500] == 0, "\n".join(tally.problems)
    assert not tally.problems, "\n".join(tally.problems)
    assert sum(tally.by_status.values()) >= EXAMPLES * 40
