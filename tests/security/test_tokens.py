"""Bearer tokens: stored as digests, expiring, revoked by disable, replaced by rotate (API and
`sunlight users list|disable|rotate`); the per-process look-up cache forgets at once what this
process revokes and what another process revokes within its TTL."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.cli import main
from approval_core.users.models import User
from approval_core.users.service import token_digest
from supervisor.runtime import Supervisor
from tests.conftest import FrozenClock, People
from tests.security.secrets_support import client_of, service_with

ME = "/api/v1/inbox"  # any route behind a token


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _new_user(client: TestClient, people: People) -> dict[str, object]:
    body = {"name": "新 承办人", "role": "handler", "department": people.department}
    made = client.post("/api/v1/users", json=body, headers=people.auth("admin"))
    assert made.status_code == 201, made.text
    created: dict[str, object] = made.json()
    return created


@pytest.fixture
def cli(cli_env: CliRunner) -> CliRunner:
    """The command line on the test database (tests/conftest.py `cli_env`)."""
    return cli_env


def test_a_token_is_stored_as_a_digest_and_expires(
    db_url: str,
    sessions: sessionmaker[Session],
    supervisor: Supervisor,
    clock: FrozenClock,
    people: People,
) -> None:
    service = service_with(db_url, sessions, supervisor, clock, token_lifetime_days=30)
    client = client_of(service)
    created = _new_user(client, people)
    token = str(created["token"])
    assert created["expires_at"] == (clock() + timedelta(days=30)).isoformat()
    with sessions() as session:
        user = session.get(User, created["id"])
        assert user is not None
        assert user.token_hash == token_digest(token) != token
    assert client.get(ME, headers=_bearer(token)).status_code == 200  # now cached
    clock.advance(days=30)
    expired = client.get(ME, headers=_bearer(token))
    assert expired.status_code == 401
    assert expired.headers["content-type"] == "application/problem+json"


def test_disable_and_rotate_through_the_api_take_effect_at_once_in_this_process(
    db_url: str,
    sessions: sessionmaker[Session],
    supervisor: Supervisor,
    clock: FrozenClock,
    people: People,
) -> None:
    service = service_with(db_url, sessions, supervisor, clock, token_cache_seconds=60)
    client = client_of(service)
    created = _new_user(client, people)
    old = str(created["token"])
    assert client.get(ME, headers=_bearer(old)).status_code == 200
    rotated = client.post(f"/api/v1/users/{created['id']}/token", headers=people.auth("admin"))
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["token"]
    assert new != old
    assert client.get(ME, headers=_bearer(old)).status_code == 401
    assert client.get(ME, headers=_bearer(new)).status_code == 200
    refused = client.post(f"/api/v1/users/{created['id']}/disable", headers=people.auth("head"))
    assert refused.status_code == 403
    disabled = client.post(f"/api/v1/users/{created['id']}/disable", headers=people.auth("admin"))
    assert disabled.json()["token"] == "disabled"
    assert client.get(ME, headers=_bearer(new)).status_code == 401
    again = client.post(f"/api/v1/users/{created['id']}/token", headers=people.auth("admin"))
    assert again.status_code == 422
    assert again.json()["errors"][0]["field"] == "user_id"


def test_cli_list_disable_rotate_and_the_cache_bound_in_another_process(
    cli: CliRunner,
    db_url: str,
    sessions: sessionmaker[Session],
    supervisor: Supervisor,
    clock: FrozenClock,
    people: People,
) -> None:
    ttl = 0.5
    service = service_with(db_url, sessions, supervisor, clock, token_cache_seconds=ttl)
    client = client_of(service)
    handler = people.actors["handler"].user_id
    token = people.tokens["handler"]
    listed = cli.invoke(main, ["users", "list"])
    assert listed.exit_code == 0, listed.output
    rows = {row["id"]: row for row in json.loads(listed.output)}
    assert rows[handler]["token"] == "no_expiry"
    assert token not in listed.output
    assert token_digest(token) not in listed.output

    assert client.get(ME, headers=_bearer(token)).status_code == 200  # cached for `ttl`
    rotated = cli.invoke(main, ["users", "rotate", str(handler)])
    assert rotated.exit_code == 0, rotated.output
    new = json.loads(rotated.output)["token"]
    # the CLI is another process as far as this app's cache goes: the old token still works
    # until the cache entry is `ttl` old, never longer
    assert client.get(ME, headers=_bearer(token)).status_code == 200
    time.sleep(ttl + 0.1)
    assert client.get(ME, headers=_bearer(token)).status_code == 401
    assert client.get(ME, headers=_bearer(new)).status_code == 200

    disabled = cli.invoke(main, ["users", "disable", str(handler)])
    assert disabled.exit_code == 0, disabled.output
    time.sleep(ttl + 0.1)
    assert client.get(ME, headers=_bearer(new)).status_code == 401
    rows = {row["id"]: row for row in json.loads(cli.invoke(main, ["users", "list"]).output)}
    assert (rows[handler]["active"], rows[handler]["token"]) == (False, "disabled")
    assert rows[handler]["revoked_at"] is not None
    refused = cli.invoke(main, ["users", "rotate", str(handler)])
    assert refused.exit_code != 0
    assert "user_id" in refused.output
    missing = cli.invoke(main, ["users", "disable", "999999"])
    assert missing.exit_code != 0
    with sessions() as session:
        hashes = set(session.scalars(select(User.token_hash)))
    assert token_digest(new) in hashes
    assert token_digest(token) not in hashes
