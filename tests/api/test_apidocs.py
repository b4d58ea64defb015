"""The API's own docs work offline: /docs, /docs/oauth2-redirect and /redoc name no other host,
every file they reference is served here with its type, the vendored files are the ones their
README lists and the package ships, and a wider `/static` mount (the portal's) does not hide them.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.testclient import TestClient

from api import apidocs
from api.apidocs import FAVICON, REDOC_JS, STATIC_DIR, SWAGGER_CSS, SWAGGER_JS
from tests.conftest import REPO

# src="…", href="…", ReDoc's spec-url="…" and Swagger UI's `url: '…'`.
_REFERENCES = re.compile(r"""(?:\b(?:src|href|spec-url)="|\burl: ')([^"']*)""")
_TYPES = {
    ".js": ("text/javascript", "application/javascript"),
    ".css": ("text/css",),
    ".png": ("image/png",),
    ".json": ("application/json",),
}


def _references(client: TestClient, path: str) -> list[str]:
    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "://" not in page.text  # no absolute address at all: no CDN, no font host
    return _REFERENCES.findall(page.text)


@pytest.mark.parametrize(
    ("path", "needed"),
    [
        ("/docs", {SWAGGER_JS, SWAGGER_CSS, FAVICON, "/openapi.json"}),
        ("/redoc", {REDOC_JS, FAVICON, "/openapi.json"}),
        ("/docs/oauth2-redirect", set()),
    ],
)
def test_the_docs_pages_reference_only_files_of_the_service(
    client: TestClient, path: str, needed: set[str]
) -> None:
    references = _references(client, path)
    assert set(references) == needed
    for url in references:
        assert url.startswith("/"), url
        assert not url.startswith("//"), url
        answer = client.get(url)
        assert answer.status_code == 200, url
        media = answer.headers["content-type"].split(";")[0]
        assert media in _TYPES[Path(url).suffix], (url, media)
        assert len(answer.content) > 500, url


def test_the_bundles_may_be_cached_and_unknown_files_are_404(client: TestClient) -> None:
    bundle = client.get(SWAGGER_JS)
    assert "no-store" not in bundle.headers.get("cache-control", "")
    assert bundle.headers["etag"]
    again = client.get(SWAGGER_JS, headers={"If-None-Match": bundle.headers["etag"]})
    assert again.status_code == 304
    assert client.get("/static/apidocs/swagger-ui/index.html").status_code == 404
    assert client.get("/static/apidocs/redoc/").status_code == 404  # no directory listing


def test_the_portals_static_files_and_the_docs_files_are_both_served(client: TestClient) -> None:
    """The portal mounts `/static` (api/portal/static/); the docs' files are under it."""
    css = client.get("/static/portal.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert client.get(REDOC_JS).status_code == 200
    assert client.get(SWAGGER_CSS).headers["content-type"].startswith("text/css")


def test_a_wider_static_mount_made_after_the_docs_does_not_hide_them(tmp_path: Path) -> None:
    (tmp_path / "site.css").write_text("body { margin: 0 }")
    app = FastAPI(docs_url=None, redoc_url=None)
    apidocs.install(app)
    app.mount("/static", StaticFiles(directory=tmp_path), name="static")
    client = TestClient(app)
    assert client.get("/static/site.css").text == "body { margin: 0 }"
    assert client.get(REDOC_JS).status_code == 200
    assert client.get("/docs").status_code == 200


def test_fastapis_own_docs_pages_must_be_off() -> None:
    with pytest.raises(RuntimeError, match="docs_url=None"):
        apidocs.install(FastAPI())


def _vendored() -> set[str]:
    return {p.relative_to(STATIC_DIR).as_posix() for p in STATIC_DIR.rglob("*") if p.is_file()}


def test_the_vendored_files_are_the_ones_listed_with_their_digests() -> None:
    listed = {}
    for line in (STATIC_DIR / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        listed[name] = digest
    assert set(listed) == _vendored() - {"README.md", "SHA256SUMS"}
    for name, digest in listed.items():
        assert hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest() == digest, name
    readme = (STATIC_DIR / "README.md").read_text()
    for package in ("swagger-ui-dist@", "redoc@"):
        assert re.search(rf"`{re.escape(package)}\d+\.\d+\.\d+`", readme), package


def test_a_non_editable_install_ships_every_vendored_file() -> None:
    """setuptools copies package data by the globs of pyproject.toml, relative to `api/`."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    globs = config["tool"]["setuptools"]["package-data"]["api"]
    api = STATIC_DIR.parent.parent
    shipped = {p for g in globs for p in api.glob(g) if p.is_file()}
    assert {STATIC_DIR / name for name in _vendored()} <= shipped
