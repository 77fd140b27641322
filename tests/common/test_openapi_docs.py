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
