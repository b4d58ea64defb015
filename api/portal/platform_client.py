"""The OpenID Connect client of the province's unified identity platform: discovery from
`{issuer}/.well-known/openid-configuration`, the authorization request (code flow with PKCE
S256, state and nonce), the token exchange (httpx, client secret by HTTP Basic) and the ID
token's verification by PyJWT: RS256 signature against the platform's JWKS, issuer, audience,
expiry (the platform's and this machine's wall clocks), then the nonce.

Every request goes only to a host the outbound policy allows (SUNLIGHT_OUTBOUND_ALLOW for
non-public addresses), without following redirects. Discovery and keys are kept an hour in this
process; an ID token signed by a key not yet seen makes one fresh read of the keys.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import jwt

from approval_core.settings import Settings
from supervisor.notify.outbound import OutboundPolicy

CACHE_SECONDS = 3600.0
TIMEOUT = 10.0
LEEWAY = 60  # seconds of clock difference tolerated on exp / iat
SCOPES = "openid profile phone"


class PlatformRefused(Exception):
    """The log-in through the platform failed; the texts say why, for the page."""

    def __init__(self, zh: str, en: str, status: int = 400) -> None:
        super().__init__(en)
        self.zh, self.en, self.status = zh, en, status


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


_providers: dict[str, tuple[float, Provider]] = {}
_key_sets: dict[str, tuple[float, jwt.PyJWKSet]] = {}


def configured(settings: Settings) -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id)


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _unreachable(exc: Exception) -> PlatformRefused:
    return PlatformRefused(
        f"暂时无法连接省统一身份认证平台，请稍后再试或使用密码登录（{type(exc).__name__}）",
        f"the province's identity platform cannot be reached now: try later or log in with "
        f"your password ({type(exc).__name__})",
        status=502,
    )


def _get_json(settings: Settings, url: str, **kwargs: Any) -> dict[str, Any]:
    """GET (or POST with `data`) a JSON document from an allowed host."""
    host = urlsplit(url).hostname or ""
    refused = OutboundPolicy.from_settings(settings).check_send(host)
    if refused:
        raise _unreachable(PermissionError(refused))
    try:
        if "data" in kwargs:
            response = httpx.post(url, timeout=TIMEOUT, **kwargs)
        else:
            response = httpx.get(url, timeout=TIMEOUT, **kwargs)
        response.raise_for_status()
        answer = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise _unreachable(exc) from exc
    if not isinstance(answer, dict):
        raise _unreachable(ValueError("not a JSON object"))
    return answer


def provider(settings: Settings) -> Provider:
    """The platform's endpoints by discovery (kept CACHE_SECONDS)."""
    issuer = settings.oidc_issuer
    kept = _providers.get(issuer)
    if kept is not None and time.monotonic() - kept[0] < CACHE_SECONDS:
        return kept[1]
    found = _get_json(settings, issuer.rstrip("/") + "/.well-known/openid-configuration")
    try:
        made = Provider(
            str(found["issuer"]),
            str(found["authorization_endpoint"]),
            str(found["token_endpoint"]),
            str(found["jwks_uri"]),
        )
    except KeyError as exc:
        raise _unreachable(exc) from exc
    if made.issuer.rstrip("/") != issuer.rstrip("/"):
        raise _unreachable(ValueError(f"the discovery names issuer {made.issuer}"))
    _providers[issuer] = (time.monotonic(), made)
    return made


def authorization_url(
    settings: Settings, redirect_uri: str, state: str, nonce: str, verifier: str
) -> str:
    query = {
        "response_type": "code",
        "client_id": settings.oidc_client_id,
        "redirect_uri": redirect_uri,
        "scope": SCOPES,
        "state": state,
        "nonce": nonce,
        "code_challenge": pkce_challenge(verifier),
        "code_challenge_method": "S256",
    }
    endpoint = provider(settings).authorization_endpoint
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(query)}"


def exchange(settings: Settings, code: str, redirect_uri: str, verifier: str) -> str:
    """The ID token the platform gives for the authorization code."""
    answer = _get_json(
        settings,
        provider(settings).token_endpoint,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        },
        auth=(settings.oidc_client_id, settings.oidc_client_secret),
    )
    token = answer.get("id_token")
    if not isinstance(token, str):
        raise _unreachable(ValueError("the token answer has no id_token"))
    return token


def _keys(settings: Settings, fresh: bool = False) -> jwt.PyJWKSet:
    uri = provider(settings).jwks_uri
    kept = _key_sets.get(uri)
    if not fresh and kept is not None and time.monotonic() - kept[0] < CACHE_SECONDS:
        return kept[1]
    try:
        found = jwt.PyJWKSet.from_dict(_get_json(settings, uri))
    except jwt.PyJWTError as exc:
        raise _unreachable(exc) from exc
    _key_sets[uri] = (time.monotonic(), found)
    return found


def _signing_key(settings: Settings, token: str) -> jwt.PyJWK:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise _invalid("令牌格式错误", "the token is malformed") from exc
    if header.get("alg") != "RS256":
        raise _invalid("令牌签名算法不是 RS256", "the token is not signed with RS256")
    kid = str(header.get("kid", ""))
    for fresh in (False, True):
        keys = _keys(settings, fresh)
        for key in keys.keys:
            if key.key_id == kid or (not kid and len(keys.keys) == 1):
                return key
    raise _invalid("令牌的签名密钥不属于该平台", "the token's signing key is not the platform's")


def _invalid(zh: str, en: str) -> PlatformRefused:
    return PlatformRefused(
        f"统一身份认证平台返回的身份令牌未通过验证：{zh}。请重新登录。",
        f"the identity token from the platform did not verify: {en}. Please log in again.",
    )


_REFUSALS: tuple[tuple[type[jwt.PyJWTError], str, str], ...] = (
    (jwt.ExpiredSignatureError, "令牌已过期", "it has expired"),
    (
        jwt.InvalidAudienceError,
        "令牌不是签发给本系统的（aud 不符）",
        "it is for another client (aud)",
    ),
    (jwt.InvalidIssuerError, "令牌的签发方不符（iss）", "another issuer signed it (iss)"),
    (jwt.InvalidSignatureError, "签名无效", "its signature is invalid"),
    (jwt.MissingRequiredClaimError, "缺少必需的声明", "a required claim is missing"),
)


def verify(settings: Settings, token: str, nonce: str) -> dict[str, Any]:
    """The ID token's claims, once signature, iss, aud, exp and nonce are right."""
    key = _signing_key(settings, token)
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            audience=settings.oidc_client_id,
            issuer=provider(settings).issuer,
            leeway=LEEWAY,
            options={"require": ["iss", "aud", "exp", "iat", "sub"]},
        )
    except jwt.PyJWTError as exc:
        for kind, zh, en in _REFUSALS:
            if isinstance(exc, kind):
                raise _invalid(zh, en) from exc
        raise _invalid("令牌无效", f"it is invalid ({type(exc).__name__})") from exc
    if not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
        raise _invalid("nonce 与本次登录请求不符", "its nonce is not this log-in's")
    return claims
