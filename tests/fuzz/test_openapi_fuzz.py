"""Schemathesis over the five OpenAPI documents, in process, as the roles each serves.

Every generated request, valid or not, must get no 5xx, a status and a content type its
document declares, and a body its schema describes; invalid data must be refused. The
examples are bounded and deterministic (a fixed seed), so CI runs the same cases; each
operation's writes are rolled back afterwards (the ``tx`` fixture).

A dozen random examples may never send an optional query parameter at all (the KPI
report's ``workflow`` filter answered 500 for months so). So each operation also sends,
from schemathesis's coverage phase (deterministic boundary and type cases, no seed
needed), every query parameter at least once with a valid value and once with an invalid
one: the cases that vary that parameter (``_coverage_plan``), guarded by a test.

The documents are read at collection from an app that never touches a database; the
cases then run against the session's app, on the test databases.
"""

from __future__ import annotations

import functools
import os
import threading

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.case import Case
from schemathesis.generation.meta import TestPhase
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.serving import make_server

from common.app import create_app
from common.services import discover
from tests.support import Client

# Per operation; CI's bound. TTS_FUZZ_EXAMPLES=200 (and another TTS_FUZZ_SEED) digs deeper.
EXAMPLES = int(os.environ.get("TTS_FUZZ_EXAMPLES", "12"))
SEED = int(os.environ.get("TTS_FUZZ_SEED", "20261125"))
# TTS_FUZZ_COVERAGE=all sends every case of schemathesis's coverage phase (thousands), not
# CI's few per query parameter.
ALL_COVERAGE = os.environ.get("TTS_FUZZ_COVERAGE") == "all"
# Operations that would end or lock the test's own accounts; tests/auth_api covers them.
EXCLUDED = (
    "/api/auth/logout",
    "/api/auth/web/logout",
    "/api/auth/users/{user_id}/deactivate",
    "/api/auth/me/password",
)
# Who calls each document's operations: the roles they serve, and one they refuse.
ROLES = {
    "/api/auth": ("admin@example.com", "employee@example.com"),
    "/api/tickets": ("employee@example.com", "coordinator@example.com"),
    "/api/workflow": ("coordinator@example.com", "agent@example.com"),
    "/api/chat": ("employee@example.com", "coordinator@example.com"),
    "/api/notifications": ("agent@example.com", "employee@example.com"),
}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@functools.cache
def _operations() -> list:
    config = SchemathesisConfig.from_dict({"seed": SEED})
    documents = create_app(list(discover().values()))
    operations = []
    for prefix in ROLES:
        schema = schemathesis.openapi.from_wsgi(f"{prefix}/openapi.json", documents, config=config)
        for result in schema.get_all_operations():
            operation = result.ok()
            if operation.path not in EXCLUDED:
                operations.append(pytest.param(prefix, operation, id=operation.label))
    return operations


def _query_sent(case: Case) -> tuple[set[str], set[str]]:
    """The query parameters a coverage case sends with a valid value, and with an invalid
    one, as schemathesis generated them: a positive case's values are all valid; a
    negative case made one parameter invalid (``missing_parameter`` sends it not at all).
    ``Case.meta`` is how schemathesis labels its own cases (its checks read it too)."""
    meta = case.meta
    sent = set(case.query or {})
    if meta.generation.mode.is_positive:
        return sent, set()
    data = meta.phase.data
    if data.parameter_location == ParameterLocation.QUERY and data.parameter in sent:
        return set(), {data.parameter}
    return set(), set()


@functools.cache
def _coverage_plan(operation) -> tuple[Case, ...]:
    """Per query parameter, schemathesis's first coverage case that sends it valid (one
    that varies it, if any: a boundary value rather than the default case's) and its first
    that sends it invalid. A few cases an operation, not the phase's dozens: CI's bound."""
    if not list(operation.query) and not ALL_COVERAGE:
        return ()
    schema = operation.schema
    cases = [
        case
        for case in schema.iter_coverage_cases(
            operation,
            generation_modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
            generation_config=schema.config.generation_for(
                operation=operation, phase=TestPhase.COVERAGE.value
            ),
        )
        if case.meta.phase.name == TestPhase.COVERAGE
    ]
    if ALL_COVERAGE:
        return tuple(cases)
    chosen: list[Case] = []
    for parameter in (p.name for p in operation.query):
        varying = [c for c in cases if c.meta.phase.data.parameter == parameter]
        for wanted in (0, 1):  # a valid value, then an invalid one
            found = next(
                (c for c in varying + cases if parameter in _query_sent(c)[wanted]),
                None,
            )
            if found is not None and all(found is not c for c in chosen):
                chosen.append(found)
    return tuple(chosen)


@pytest.fixture(scope="module")
def tickets_api(app):
    """chat_api asks tickets_api over HTTP whether the caller may see a ticket."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    original = app.config["TTS_CONFIG"]
    app.config["TTS_CONFIG"] = original.replace(
        tickets_api_url=f"http://127.0.0.1:{server.server_port}"
    )
    yield
    app.config["TTS_CONFIG"] = original
    server.shutdown()


@pytest.mark.parametrize("prefix,operation", _operations())
def test_generated_requests_get_documented_answers(app, tickets_api, tx, prefix, operation):
    tokens = [Client(app.test_client()).as_user(email).token for email in ROLES[prefix]]
    strategy = operation.as_strategy(
        generation_mode=GenerationMode.POSITIVE
    ) | operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @seed(SEED)
    @given(case=strategy)
    def run(case):
        for token in tokens:
            case.call_and_validate(
                app=app, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS
            )

    run()
    for case in _coverage_plan(operation):
        for token in tokens:
            case.call_and_validate(
                app=app, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS
            )


def test_every_query_parameter_is_sent_valid_and_invalid():
    """What the fuzz sends of each operation besides its random examples (exactly its
    ``_coverage_plan``): every query parameter at least once with a valid value and once
    with an invalid one."""
    missing = []
    for param in _operations():
        _, operation = param.values
        valid, invalid = set(), set()
        for case in _coverage_plan(operation):
            good, bad = _query_sent(case)
            valid |= good
            invalid |= bad
        for parameter in (p.name for p in operation.query):
            for kind, sent in (("a valid", valid), ("an invalid", invalid)):
                if parameter not in sent:
                    missing.append(f"{operation.label}: ?{parameter} never with {kind} value")
    assert not missing, "\n".join(missing)
