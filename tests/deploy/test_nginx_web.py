"""The production nginx serves the web UI: immutable hashed assets, a revalidated
index.html, the SPA fallback for every page path, problem documents for unknown API
paths, and the CSP and security headers on all of it."""

from __future__ import annotations

import socket

import pytest
import requests

from tests.deploy.prod_nginx import ProdNginx

SERVICES = ("auth", "tickets", "workflow", "chat", "notify", "chat-live", "notify-live")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    root = tmp_path_factory.mktemp("web")
    (root / "assets").mkdir()
    (root / "index.html").write_text(
        '<!doctype html><script type="module" src="/assets/app-1a2b.js"></script>'
    )
    (root / "assets" / "app-1a2b.js").write_text("export const answer = 42;\n")
    unused = _free_port()  # no service behind it: only the web UI is asked here
    nginx = ProdNginx(
        tmp_path_factory.mktemp("edge"),
        _free_port(),
        _free_port(),
        {name: [unused] for name in SERVICES},
        web_root=root,
    )
    nginx.start()
    session = requests.Session()
    session.trust_env = False
    session.verify = str(nginx.cert)
    yield nginx, session
    nginx.stop()


def _get(edge, path):
    nginx, session = edge
    return session.get(f"https://localhost:{nginx.https_port}{path}", timeout=5)


@pytest.mark.parametrize("path", ["/", "/tickets/42", "/triage", "/admin/users"])
def test_every_page_path_is_the_app_revalidated_with_the_csp(edge, path):
    response = _get(edge, path)
    assert response.status_code == 200
    assert response.text.startswith("<!doctype html>")
    assert response.headers["Cache-Control"] == "no-cache"
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"


def test_hashed_assets_are_immutable_javascript(edge):
    response = _get(edge, "/assets/app-1a2b.js")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Type"].startswith("application/javascript")
    assert "Strict-Transport-Security" in response.headers


def test_a_missing_asset_is_404_not_the_page(edge):
    response = _get(edge, "/assets/gone-0000.js")
    assert response.status_code == 404
    assert "<!doctype html>" not in response.text


@pytest.mark.parametrize("path", ["/api/nothing", "/ws/nothing"])
def test_unknown_api_paths_stay_problem_documents(edge, path):
    response = _get(edge, path)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "Cache-Control" not in response.headers
