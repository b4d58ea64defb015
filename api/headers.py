"""Security headers on every answer: no sniffing, no framing, no referrer, a content security
policy, `no-store` on anything personal and HSTS when the request came over TLS.

Put on every answer, errors and the catch-all's 500 included, by the outermost middleware
(`api/middleware.EdgeMiddleware`). An answer that set its own Content-Security-Policy keeps it
(the HTML receipt allows its inline style by hash); everything else gets `DEFAULT_CSP`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from starlette.datastructures import Headers
from starlette.types import Scope

from api.ratelimit import Network, is_trusted

HSTS = "max-age=31536000; includeSubDomains"
# Swagger UI and ReDoc (FastAPI's /docs and /redoc) load their bundles from jsDelivr and start
# them with an inline script: they get their own policy, still unframeable.
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src 'self' https://fonts.gstatic.com; img-src 'self' data: https:; "
    "worker-src 'self' blob:; frame-ancestors 'none'"
)
# Answers anyone may keep: the public catalogue, the API's own description, the static files.
_SHAREABLE_PREFIXES = (
    "/api/v1/items",
    "/openapi.json",
    "/docs",
    "/redoc",
    "/healthz",
    "/static/",
)


def content_security_policy(style_hashes: Iterable[str] = ()) -> str:
    """Same-origin files only, nothing framing us; `style_hashes` ('sha256-…') allow the
    inline style blocks of a page we render ourselves."""
    styles = " ".join(f"'{h}'" for h in style_hashes)
    style_src = f"style-src 'self' {styles}; " if styles else ""
    return (
        f"default-src 'self'; {style_src}object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


DEFAULT_CSP = content_security_policy()


def came_over_tls(scope: Scope, trusted: Sequence[Network] = ()) -> bool:
    """Whether the request reached us over TLS: the direct scheme, or X-Forwarded-Proto when
    the direct peer is a trusted proxy (SUNLIGHT_TRUSTED_PROXIES). From anyone else the header
    is ignored: it would let a client decide."""
    if scope.get("scheme") == "https":
        return True
    peer = (scope.get("client") or ("", 0))[0]
    forwarded = Headers(scope=scope).get("x-forwarded-proto", "")
    return (
        bool(trusted) and is_trusted(peer, trusted) and forwarded.split(",")[0].strip() == "https"
    )


def is_personal(scope: Scope) -> bool:
    """Answers no cache may keep: anything asked with credentials, receipts, public queries
    (tracking number + code), and everything not known to be shareable."""
    path: str = scope.get("path", "")
    if Headers(scope=scope).get("authorization"):
        return True
    return not path.startswith(_SHAREABLE_PREFIXES)
