"""Log-in through the province's identity platform (OpenID Connect) against a local fake
provider: the whole flow over real HTTP following redirects, a new person's account made from
the token's claims or completed by the applicant, a known subject logged in again, and every
bad token (nonce, audience, expiry, signature) refused with a page saying so."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from api.deps import ServiceState
from approval_core.accounts.models import ApplicantAccount, PortalSession
from approval_core.settings import Settings
from supervisor.runtime import Supervisor
from tests.conftest import ApplicantLogin, FrozenClock
from tests.conftest import test_settings as settings_for
from tests.metrics.support import free_port, serving
from tests.portal.fake_oidc import FakePlatform, fake_platform, platform_settings
from tests.portal.support import csrf_of

PERSON = {"name": "周平台", "id_number": "11010119900307977X", "phone_number": "+86 139 2222 3333"}


@pytest.fixture
def platform() -> Iterator[FakePlatform]:
    yield from fake_platform()


@pytest.fixture
def hall(
    engine: Engine,
    sessions: sessionmaker[Session],
    clock: FrozenClock,
    db_url: str,
    supervisor: Supervisor,
    platform: FakePlatform,
) -> Iterator[str]:
    """The service under uvicorn, configured for the fake platform; its base URL."""
    port = free_port()
    settings = settings_for(db_url, host="127.0.0.1", port=port, **platform_settings(platform))
    state = ServiceState(settings, engine, sessions, supervisor, clock)
    with serving(create_app(state), port):
        yield settings.public_url


def _log_in(base: str, browser: httpx.Client) -> httpx.Response:
    """Press the platform's button on the log-in page and follow every redirect."""
    page = browser.get(f"{base}/account/login")
    assert "使用省统一身份认证平台登录" in page.text
    return browser.get(f"{base}/account/oidc/start?next=/account/login%3Fback%3D1")


def test_a_new_person_gets_an_account_from_the_claims_and_comes_back_logged_in(
    hall: str, platform: FakePlatform, sessions: sessionmaker[Session]
) -> None:
    platform.claims = PERSON
    with httpx.Client(follow_redirects=True) as browser:
        landed = _log_in(hall, browser)
        assert [r.status_code for r in landed.history][:2] == [303, 302]
        # logged in: the log-in page it asked to return to sends it on, to /my/cases
        assert str(landed.url).startswith(f"{hall}/my/cases")
        assert "sunlight_session" in browser.cookies
    with sessions() as session:
        account = session.scalars(select(ApplicantAccount)).one()
        assert account.login == "13922223333"
        assert account.password_hash is None
        assert (account.name, account.id_number) == ("周平台", "11010119900307977X")
        assert (account.oidc_issuer, account.oidc_subject) == (
            platform.issuer,
            "platform-subject-1",
        )
    with httpx.Client(follow_redirects=True) as again:  # a known subject logs in
        landed = _log_in(hall, again)
        assert str(landed.url).startswith(f"{hall}/my/cases")
    with sessions() as session:
        assert len(session.scalars(select(ApplicantAccount)).all()) == 1
        assert len(session.scalars(select(PortalSession)).all()) == 2
    assert platform.tokens_issued == 2


def test_missing_claims_are_asked_for_and_a_taken_phone_can_be_changed(
    hall: str,
    platform: FakePlatform,
    sessions: sessionmaker[Session],
    applicant_account: ApplicantLogin,
) -> None:
    platform.claims = {"name": "周平台", "phone_number": applicant_account.login}
    with httpx.Client(follow_redirects=True) as browser:
        form = _log_in(hall, browser)
        assert str(form.url) == f"{hall}/account/oidc/complete"
        assert "完善账户信息" in form.text
        assert "周平台" in form.text  # the platform's name, shown as it is
        assert 'id="f-id_number"' in form.text
        assert 'name="name"' not in form.text
        data = {"csrf_token": csrf_of(form.text), "id_number": "11010119900307977X"}
        refused = browser.post(f"{hall}/account/oidc/complete", data=data)
        assert refused.status_code == 422
        assert "该登录名已注册" in refused.text  # the phone is someone's log-in already
        assert 'value="11010119900307977X"' in refused.text
        data |= {"phone": "13955556666"}
        done = browser.post(f"{hall}/account/oidc/complete", data=data)
        assert str(done.url).startswith(f"{hall}/my/cases")
    with sessions() as session:
        made = session.scalars(
            select(ApplicantAccount).where(ApplicantAccount.oidc_subject.is_not(None))
        ).one()
        assert (made.login, made.name) == ("13955556666", "周平台")


@pytest.mark.parametrize(
    ("mode", "said"),
    [
        ("wrong_nonce", "nonce 与本次登录请求不符"),
        ("wrong_audience", "aud 不符"),
        ("expired", "令牌已过期"),
        ("bad_signature", "签名无效"),
    ],
)
def test_a_bad_id_token_is_refused_with_a_page_saying_why(
    hall: str, platform: FakePlatform, sessions: sessionmaker[Session], mode: str, said: str
) -> None:
    platform.claims = PERSON
    platform.mode = mode
    with httpx.Client(follow_redirects=True) as browser:
        page = _log_in(hall, browser)
        assert page.status_code == 400
        assert page.headers["content-type"].startswith("text/html")
        assert "统一身份认证登录未成功" in page.text
        assert said in page.text
        assert "sunlight_session" not in browser.cookies
    with sessions() as session:
        assert session.scalars(select(ApplicantAccount)).all() == []


def test_a_callback_without_this_browsers_state_is_refused(
    hall: str, platform: FakePlatform
) -> None:
    platform.claims = PERSON
    with httpx.Client() as browser:
        start = browser.get(f"{hall}/account/oidc/start")
        assert start.status_code == 303
        to_platform = httpx.get(str(start.headers["location"]))
        back = str(to_platform.headers["location"])
    with httpx.Client() as other:  # another browser, without the flow's cookie
        page = other.get(back)
        assert page.status_code == 400
        assert "登录请求已失效或不是从本站发起的" in page.text
    assert platform.tokens_issued == 0


def test_without_settings_there_is_no_button_and_no_flow(client: TestClient) -> None:
    page = client.get("/account/login")
    assert "统一身份认证" not in page.text
    assert client.get("/account/oidc/start").status_code == 404


def test_a_refusal_at_the_platform_is_said_on_the_page(hall: str, platform: FakePlatform) -> None:
    with httpx.Client() as browser:
        start = browser.get(f"{hall}/account/oidc/start")
        state = parse_qs(urlsplit(str(start.headers["location"])).query)["state"][0]
        page = browser.get(
            f"{hall}/account/oidc/callback", params={"error": "access_denied", "state": state}
        )
        assert page.status_code == 400
        assert "平台未完成授权（access_denied）" in page.text
    assert platform.tokens_issued == 0


def test_the_issuer_must_be_a_web_address_and_https_in_production(db_url: str) -> None:
    with pytest.raises(ValueError, match="SUNLIGHT_OIDC_ISSUER must start with"):
        settings_for(db_url, oidc_issuer="platform.example.gov.cn")
    with pytest.raises(ValueError, match="SUNLIGHT_OIDC_ISSUER must be https:// in production"):
        Settings(environment="production", oidc_issuer="http://platform.example.gov.cn")
    assert settings_for(db_url, oidc_issuer="http://127.0.0.1:1").oidc_issuer.startswith("http:")
