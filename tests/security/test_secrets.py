"""Keys and environments: production unless said otherwise, and production refuses weak or
published keys (and SQLite); development is explicit and says at every start that its key is
public; demo data (published tokens) only in development, and a production start refuses a
database whose users still hold demo tokens."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session, sessionmaker

from api.app import build_state
from api.cli import main
from approval_core.errors import ConfigError
from approval_core.keys import DEV_SECRET_KEY
from approval_core.receipts.throwaway import self_signed
from approval_core.settings import Settings, get_settings
from approval_core.timeutil import utcnow
from approval_core.users.service import add_user
from tests.conftest import KEY, RULES

GOOD_SECRET, GOOD_DATA = secrets.token_hex(32), secrets.token_urlsafe(32)
SIGNING = ("SUNLIGHT_SIGNING_KEY_FILE", "SUNLIGHT_SIGNING_CERT_FILE")


def _signing_files(directory: Path) -> tuple[Path, Path]:
    """A department key and certificate as production is given them (PEM files)."""
    key_pem, cert_pem = self_signed("江西省司法厅 电子签章")
    key, cert = directory / "signing-key.pem", directory / "signing-cert.pem"
    key.write_bytes(key_pem)
    cert.write_bytes(cert_pem)
    return key, cert


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, db_url: str) -> Iterator[pytest.MonkeyPatch]:
    """The CLI's environment: nothing about keys or mode set (each test sets what it needs)."""
    for name in ("SUNLIGHT_ENVIRONMENT", "SUNLIGHT_SECRET_KEY", "SUNLIGHT_DATA_KEY", *SIGNING):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SUNLIGHT_DATABASE_URL", db_url)
    monkeypatch.setenv("SUNLIGHT_RULES_DIR", str(RULES))
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def _run(*args: str) -> tuple[int, str]:
    get_settings.cache_clear()
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_nothing_set_means_production_and_no_start(env: pytest.MonkeyPatch) -> None:
    del env
    code, output = _run("users", "list")
    assert code == 2
    assert "production" in output
    assert "SUNLIGHT_SECRET_KEY is not set" in output
    assert "SUNLIGHT_DATA_KEY is not set" in output
    assert "production needs SUNLIGHT_SIGNING_KEY_FILE" in output
    assert "production needs SUNLIGHT_SIGNING_CERT_FILE" in output


@pytest.mark.parametrize(
    "key",
    [
        "x",  # one character
        DEV_SECRET_KEY,
        KEY,
        "a" * 64,  # hex, 32 bytes, all the same
        secrets.token_hex(16),  # random but 16 bytes
        "correct horse battery staple and more words to be long",  # a passphrase
    ],
)
def test_production_refuses_weak_or_published_keys(env: pytest.MonkeyPatch, key: str) -> None:
    env.setenv("SUNLIGHT_ENVIRONMENT", "production")
    env.setenv("SUNLIGHT_SECRET_KEY", key)
    env.setenv("SUNLIGHT_DATA_KEY", GOOD_DATA)
    code, output = _run("users", "list")
    assert code == 2
    assert "SUNLIGHT_SECRET_KEY" in output
    with pytest.raises(ValueError, match="SUNLIGHT_SECRET_KEY"):
        Settings(environment="production", secret_key=key, data_key=GOOD_DATA)


def test_production_with_strong_keys(
    env: pytest.MonkeyPatch, db_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    del sessions  # the schema exists (its clean-up of the tables)
    env.setenv("SUNLIGHT_ENVIRONMENT", "production")
    env.setenv("SUNLIGHT_SECRET_KEY", GOOD_SECRET)
    env.setenv("SUNLIGHT_DATA_KEY", GOOD_SECRET)
    code, output = _run("users", "list")
    assert code == 2
    assert "SUNLIGHT_DATA_KEY must differ" in output
    env.setenv("SUNLIGHT_DATA_KEY", GOOD_DATA)
    env.delenv("SUNLIGHT_PUBLIC_URL", raising=False)
    code, output = _run("users", "list")
    assert code == 2
    assert "SUNLIGHT_PUBLIC_URL" in output
    env.setenv("SUNLIGHT_PUBLIC_URL", "https://sfj.example.gov.cn/")
    code, output = _run("users", "list")
    assert code == 2
    assert "production needs SUNLIGHT_SIGNING_KEY_FILE" in output
    env.setenv("SUNLIGHT_SIGNING_KEY_FILE", str(tmp_path / "absent.pem"))
    env.setenv("SUNLIGHT_SIGNING_CERT_FILE", str(tmp_path / "absent-cert.pem"))
    code, output = _run("users", "list")
    assert code == 2
    assert "SUNLIGHT_SIGNING_KEY_FILE: no such file" in output
    for name, path in zip(SIGNING, _signing_files(tmp_path), strict=True):
        env.setenv(name, str(path))
    code, output = _run("users", "list")
    assert "SIGNING" not in output
    if db_url.startswith("sqlite"):
        assert (code, "production needs PostgreSQL" in output) == (2, True)
    else:
        assert code == 0, output
        code, output = _run("demo", "load")
        assert code == 1
        assert "SUNLIGHT_ENVIRONMENT=development" in output


def test_demo_load_refuses_outside_development(env: pytest.MonkeyPatch) -> None:
    env.setenv("SUNLIGHT_ENVIRONMENT", "test")
    code, output = _run("demo", "load", "--if-empty")
    assert code == 1
    assert "演示数据只能在开发模式下加载" in output
    assert "SUNLIGHT_ENVIRONMENT=development" in output


def test_development_says_at_every_start_that_its_key_is_public(
    db_url: str,
    sessions: sessionmaker[Session],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    del sessions  # its clean-up of the tables
    monkeypatch.chdir(tmp_path)  # development keeps its throw-away signing key under var/
    settings = Settings(environment="development", database_url=db_url, rules_dir=RULES)
    assert settings.secret_key == DEV_SECRET_KEY
    for _ in range(2):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="sunlight"):
            state = build_state(settings)
        state.engine.dispose()
        assert "PUBLIC development key" in caplog.text
        assert "SUNLIGHT_ENVIRONMENT=development" in caplog.text
        assert "THROW-AWAY self-signed certificate" in caplog.text
    assert (tmp_path / "var" / "dev-signing" / "cert.pem").is_file()


@pytest.mark.postgres
def test_production_refuses_to_start_while_a_demo_token_works(
    env: pytest.MonkeyPatch, db_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("production runs on PostgreSQL only (SUNLIGHT_TEST_DATABASE_URL)")
    with sessions() as session, session.begin():
        admin, _ = add_user(
            session,
            name="系统管理员",
            role="admin",
            department=None,
            now=utcnow(),
            known_departments=set(),
            token="demo-admin",
        )
        admin_id = admin.id
    key_file, cert_file = _signing_files(tmp_path)
    production = Settings(
        signing_key_file=key_file,
        signing_cert_file=cert_file,
        environment="production",
        secret_key=GOOD_SECRET,
        data_key=GOOD_DATA,
        database_url=db_url,
        rules_dir=RULES,
        public_url="https://sfj.example.gov.cn",
    )
    with pytest.raises(ConfigError, match="demo-admin"):
        build_state(production)
    env.setenv("SUNLIGHT_ENVIRONMENT", "production")
    env.setenv("SUNLIGHT_SECRET_KEY", GOOD_SECRET)
    env.setenv("SUNLIGHT_DATA_KEY", GOOD_DATA)
    env.setenv("SUNLIGHT_PUBLIC_URL", "https://sfj.example.gov.cn")
    env.setenv("SUNLIGHT_SIGNING_KEY_FILE", str(key_file))
    env.setenv("SUNLIGHT_SIGNING_CERT_FILE", str(cert_file))
    code, output = _run("users", "rotate", str(admin_id))
    assert code == 0, output
    build_state(production).engine.dispose()


def test_public_url_is_an_address_without_trailing_slash() -> None:
    settings = Settings(environment="test", public_url="https://sfj.example.gov.cn/")
    assert settings.public_url == "https://sfj.example.gov.cn"
    assert Settings(environment="test", port=8123).public_url == "http://127.0.0.1:8123"
    with pytest.raises(ValueError, match="SUNLIGHT_PUBLIC_URL"):
        Settings(environment="test", public_url="sfj.example.gov.cn")
