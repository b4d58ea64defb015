"""Security headers on every answer: no sniffing, no framing, no referrer, a content security
policy, `no-store` on anything personal and HSTS when the request came over TLS.

Put on every answer, errors and the catch-all's 500 included, by the outermost middleware
(`api/middleware.EdgeMiddleware`). An answer that set its own Content-Security-Policy keeps it
(the HTML receipt allows its inline
style by hash, the API's docs pages their start script); everything else gets `DEFAULT_CSP`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from starlette.datastructures import Headers
from starlette.types import Scope

from api.ratelimit import Network, is_trusted

HSTS = "max-age=31536000; includeSubDomains"
# Answers anyone may keep: the public catalogue, the API's own description and docs pages,
# the static files (the portal's and the docs' vendored bundles).
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


def docs_content_security_policy(
    script_hashes: Iterable[str], style_hashes: Iterable[str] | None
) -> str:
    """The policy of /docs and /redoc (`api/apidocs.py`): their vendored bundles from this
    service, their inline start script by hash ('sha256-…'), no other host. Inline styles by
    hash, or any (`style_hashes` None) for ReDoc, whose styled-components writes its <style>
    elements at run time. Images are theirs or inline (data:); ReDoc searches in a web worker
    it starts from a blob:. Unframeable as everything else."""
    scripts = " ".join(["'self'", *(f"'{h}'" for h in script_hashes)])
    inline = ["'unsafe-inline'"] if style_hashes is None else [f"'{h}'" for h in style_hashes]
    styles = " ".join(["'self'", *inline])
    return (
        f"default-src 'self'; script-src {scripts}; style-src {styles}; "
        "img-src 'self' data:; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


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
