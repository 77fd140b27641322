"""The web UI's build: its API types match the services, and its initial JavaScript stays
within budget (the issue's 250 kB gzipped; the design brief aims for 170)."""

from __future__ import annotations

import gzip
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "web" / "dist"
BUDGET_GZIP_BYTES = 250 * 1024
ROUTE_BUDGET_GZIP_BYTES = 100 * 1024  # each lazily loaded chunk (the design brief)


def _run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def built():
    """web/node_modules (openapi-typescript) and web/dist, fresh."""
    result = _run(str(ROOT / "scripts" / "web-build"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_api_types_match_the_services(built):
    checked = _run(str(ROOT / ".venv" / "bin" / "python"), "scripts/web-api-types", "--check")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def initial_scripts(index_html: str) -> list[str]:
    """What the browser fetches before the first page can draw: the entry module and
    everything index.html preloads (route chunks load later, on navigation)."""
    entry = re.findall(r'<script type="module"[^>]*\ssrc="([^"]+)"', index_html)
    preloaded = re.findall(r'<link rel="modulepreload"[^>]*\shref="([^"]+)"', index_html)
    return entry + preloaded


def gzipped_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def test_the_initial_javascript_is_within_budget(built):
    scripts = initial_scripts((DIST / "index.html").read_text())
    assert scripts, "index.html loads no module script"
    total = sum(gzipped_size(DIST / src.lstrip("/")) for src in scripts)
    assert total <= BUDGET_GZIP_BYTES, f"initial JS is {total / 1024:.1f} kB gzipped"
    # Pages are their own chunks: the initial bundle must not have swallowed them.
    chunks = {path.name.split("-")[0] for path in (DIST / "assets").glob("*.js")}
    assert {"TriagePage", "MyTasksPage", "NewTicketPage", "TicketPage"} <= chunks
    initial = {DIST / src.lstrip("/") for src in scripts}
    heavy = {
        path.name: gzipped_size(path)
        for path in (DIST / "assets").glob("*.js")
        if path not in initial and gzipped_size(path) > ROUTE_BUDGET_GZIP_BYTES
    }
    assert heavy == {}, f"route chunks over {ROUTE_BUDGET_GZIP_BYTES // 1024} kB gzipped"


def test_index_html_runs_no_inline_script(built):
    # The CSP allows scripts from this origin only: an inline one would be refused.
    html = (DIST / "index.html").read_text()
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, tag
