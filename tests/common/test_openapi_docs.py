"""The OpenAPI documents say what the services answer (errors as problem documents), and
their docs pages load from this origin alone: offline, and under a CSP naming no CDN."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]

PREFIXES = ("/api/auth", "/api/tickets", "/api/workflow", "/api/chat", "/api/notifications")


def _responses(doc: dict):
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict):
                continue  # path-level parameters
            for code, response in operation.get("responses", {}).items():
                if "$ref" in response:
                    response = doc["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
                yield f"{method.upper()} {path} {code}", code, response


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_error_is_documented_as_a_problem_document(app, prefix):
    doc = app.test_client().get(f"{prefix}/openapi.json").get_json()
    errors = [
        (where, response)
        for where, code, response in _responses(doc)
        if (code == "default" or code >= "4") and not where.endswith("/ready 503")
    ]
    assert len(errors) > 5
    for where, response in errors:
        assert list(response["content"]) == ["application/problem+json"], where
    problem = doc["components"]["schemas"]["Problem"]["properties"]
    assert {"type", "title", "status", "detail", "request_id", "errors"} <= set(problem)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_success_has_a_documented_body_or_none(app, prefix):
    doc = app.test_client().get(f"{prefix}/openapi.json").get_json()
    for where, code, response in _responses(doc):
        if code.startswith("2") and code != "204":
            assert response.get("content"), f"{where}: the body is not described"


def test_every_document_says_what_the_edge_refuses_and_the_search_its_414(app):
    client = app.test_client()
    for prefix in PREFIXES:
        spec = client.get(f"{prefix}/openapi.json").get_json()
        assert "414" in spec["info"]["description"] and "431" in spec["info"]["description"]
    tickets = client.get("/api/tickets/openapi.json").get_json()
    answers = tickets["paths"]["/api/tickets"]["get"]["responses"]
    assert "application/problem+json" in answers["414"]["content"]


class _References(HTMLParser):
    """What a page loads (src, href) and whether any script of it is inline."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0
        self.spec_urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.urls += [attributes[name] for name in ("src", "href") if attributes.get(name)]
        if tag == "script" and not attributes.get("src"):
            self.inline_scripts += 1
        if attributes.get("data-spec-url"):
            self.spec_urls.append(attributes["data-spec-url"])


@pytest.mark.parametrize("prefix", PREFIXES)
def test_the_docs_page_loads_only_same_origin_assets_that_answer(app, prefix):
    client = app.test_client()
    page = client.get(f"{prefix}/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    found = _References()
    found.feed(page.get_data(as_text=True))
    assert found.inline_scripts == 0  # the CSP allows this origin's script files only
    assert len(found.urls) >= 3, found.urls
    assert found.spec_urls == [f"{prefix}/openapi.json"]
    for url in found.urls + found.spec_urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, f"{url} is not on this origin"
        assert url.startswith(f"{prefix}/"), url
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert answer.mimetype in ("text/css", "text/javascript", "image/png", "application/json")
    scripts = [url for url in found.urls if url.endswith(".js")]
    assert any("swagger-ui-bundle" in url for url in scripts)
    assert any(b"SwaggerUIBundle(" in client.get(url).data for url in scripts)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_the_docs_page_csp_names_this_origin_only(app, prefix):
    csp = app.test_client().get(f"{prefix}/docs").headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp
    assert "http" not in csp and "cdn" not in csp
    # nginx sends the same policy for these pages (and hides the service's copy).
    site = (ROOT / "nginx" / "templates" / "tts.conf.template").read_text()
    assert f'~^/api/[^/]+/docs "{csp}";' in site
    assert "jsdelivr" not in site


def test_only_the_pages_assets_are_served(app):
    client = app.test_client()
    assert client.get("/api/tickets/docs/assets/swagger-ui.css").status_code == 200
    for name in ("index.html", "LICENSE", "..%2Fapi_docs.py", "nothing.js"):
        assert client.get(f"/api/tickets/docs/assets/{name}").status_code == 404, name


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_parameter_says_what_it_takes(app, prefix):
    """An empty schema admits any value: a client sending a name where an id or ``me``
    is wanted would get a 422 the document did not warn of."""
    doc = app.test_client().get(f"{prefix}/openapi.json").get_json()
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict):
                for parameter in operation.get("parameters", []):
                    if "$ref" in parameter:
                        name = parameter["$ref"].rsplit("/", 1)[1]
                        parameter = doc["components"]["parameters"][name]
                    where = f"{method.upper()} {path} ?{parameter['name']}"
                    assert parameter["schema"], f"{where}: no schema"


def test_a_person_is_a_user_id_or_a_keyword(app):
    doc = app.test_client().get("/api/workflow/openapi.json").get_json()
    [assignee] = [
        p
        for p in doc["paths"]["/api/workflow/tasks"]["get"]["parameters"]
        if p["name"] == "assignee"
    ]
    assert assignee["schema"]["anyOf"] == [
        {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
        {"type": "string", "enum": ["me", "any"]},
    ]
    assert assignee["schema"]["default"] == "me"
