"""A local fake of the province's unified identity platform: a small real OpenID Connect
provider (Starlette under uvicorn on a free loopback port) with discovery, a JWKS of an RSA key
made by `cryptography`, an /authorize that approves at once and sends the browser back with a
code, and a /token that checks the client, the redirect URI and the PKCE verifier and returns
an RS256 ID token. `mode` makes it misbehave the ways a client must refuse."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.metrics.support import free_port, serving

CLIENT_ID = "sunlight-portal"
CLIENT_SECRET = "fake-platform-client-secret"
# ok, wrong_nonce, wrong_audience, expired, bad_signature
MODES = ("ok", "wrong_nonce", "wrong_audience", "expired", "bad_signature")


def _private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class FakePlatform:
    """What the provider says about the person (`claims`) and how it behaves (`mode`)."""

    port: int = 0
    claims: dict[str, Any] = field(default_factory=dict)
    mode: str = "ok"
    key: rsa.RSAPrivateKey = field(default_factory=_private_key)
    other_key: rsa.RSAPrivateKey = field(default_factory=_private_key)
    kid: str = "fake-key-1"
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    tokens_issued: int = 0

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def discovery(self, _request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            }
        )

    def jwks(self, _request: Request) -> Response:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return JSONResponse({"keys": [public | {"kid": self.kid, "use": "sig", "alg": "RS256"}]})

    def authorize(self, request: Request) -> Response:
        """Approves at once (the person has logged in at the platform) and sends the browser
        back with a one-time code."""
        q = request.query_params
        if q.get("client_id") != CLIENT_ID or q.get("response_type") != "code":
            return JSONResponse({"error": "unauthorized_client"}, status_code=400)
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return JSONResponse({"error": "invalid_request", "detail": "PKCE"}, status_code=400)
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            k: q.get(k, "") for k in ("nonce", "code_challenge", "redirect_uri", "scope")
        }
        back = urlencode({"code": code, "state": q.get("state", "")})
        return RedirectResponse(f"{q.get('redirect_uri')}?{back}", status_code=302)

    async def token(self, request: Request) -> Response:
        form = await request.form()
        wanted = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("authorization") != wanted:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = self.codes.pop(str(form.get("code")), None)  # a code works once
        verifier = str(form.get("code_verifier", ""))
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        if (
            grant is None
            or form.get("redirect_uri") != grant["redirect_uri"]
            or challenge.decode().rstrip("=") != grant["code_challenge"]
        ):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        self.tokens_issued += 1
        return JSONResponse(
            {
                "access_token": secrets.token_urlsafe(16),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": self.id_token(grant["nonce"]),
            }
        )

    def id_token(self, nonce: str) -> str:
        now = int(time.time())  # the platform's wall clock
        body = {
            "iss": self.issuer,
            "sub": "platform-subject-1",
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            **self.claims,
        }
        if self.mode == "wrong_nonce":
            body["nonce"] = "not-the-nonce"
        elif self.mode == "wrong_audience":
            body["aud"] = "another-client"
        elif self.mode == "expired":
            body["iat"], body["exp"] = now - 900, now - 600
        key = self.other_key if self.mode == "bad_signature" else self.key
        return jwt.encode(body, key, algorithm="RS256", headers={"kid": self.kid})

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/jwks", self.jwks),
                Route("/authorize", self.authorize),
                Route("/token", self.token, methods=["POST"]),
            ]
        )


def fake_platform() -> Iterator[FakePlatform]:
    """The running fake provider (for a fixture)."""
    platform = FakePlatform(port=free_port())
    with serving(platform.app(), platform.port):
        yield platform


def platform_settings(platform: FakePlatform) -> dict[str, str]:
    """The service's settings that point at the fake provider."""
    return {
        "oidc_issuer": platform.issuer,
        "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": CLIENT_SECRET,
    }
