"""An engine per test (or per module, for hypothesis), freed from durable afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from supervisor.engine import DurableEngine


@pytest.fixture
def engine() -> Iterator[DurableEngine]:
    eng = DurableEngine()
    yield eng
    eng.close()


@pytest.fixture(scope="module")
def shared_engine() -> Iterator[DurableEngine]:
    eng = DurableEngine()
    yield eng
    eng.close()
