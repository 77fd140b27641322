"""The OpenAPI documents say what the services answer: errors as problem documents."""

from __future__ import annotations

import pytest

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
