"""Schemathesis over the five OpenAPI documents, in process, as the roles each serves.

Every generated request, valid or not, must get no 5xx, a status and a content type its
document declares, and a body its schema describes; invalid data must be refused. The
examples are bounded and deterministic (a fixed seed), so CI runs the same cases; each
operation's writes are rolled back afterwards (the ``tx`` fixture).

The documents are read at collection from an app that never touches a database; the
cases then run against the session's app, on the test databases.
"""

from __future__ import annotations

import os
import threading

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
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


def _operations():
    config = SchemathesisConfig.from_dict({"seed": SEED})
    documents = create_app(list(discover().values()))
    for prefix in ROLES:
        schema = schemathesis.openapi.from_wsgi(f"{prefix}/openapi.json", documents, config=config)
        for result in schema.get_all_operations():
            operation = result.ok()
            if operation.path not in EXCLUDED:
                yield pytest.param(prefix, operation, id=operation.label)


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


@pytest.mark.parametrize("prefix,operation", list(_operations()))
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
