"""What every service answers the same way: health, readiness, OpenAPI, problems, config."""

import flask
import pytest
from flask.sessions import NullSession

from common.config import Config, ConfigError
from common.events import CATALOGUE
from common.services import discover, load

PREFIXES = ["/api/auth", "/api/tickets", "/api/workflow", "/api/chat", "/api/notifications"]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_health_ready_and_openapi(client, prefix):
    assert client.raw.get(f"{prefix}/health").get_json()["status"] == "ok"
    ready = client.raw.get(f"{prefix}/ready")
    assert ready.status_code == 200
    assert ready.get_json()["checks"] == {"database": "ok", "broker": "ok"}
    spec = client.raw.get(f"{prefix}/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert all(path.startswith(prefix) or path.startswith("/ws/") for path in spec["paths"])


def test_unknown_route_and_wrong_method_are_problems(client):
    missing = client.raw.get("/api/tickets/does/not/exist")
    assert missing.status_code == 404
    assert missing.mimetype == "application/problem+json"
    wrong = client.raw.delete("/api/auth/login")
    assert wrong.status_code == 405
    assert "POST" in wrong.headers["Allow"]
    assert wrong.get_json()["status"] == 405


def test_malformed_json_is_a_problem_not_a_crash(client):
    response = client.raw.post(
        "/api/auth/login", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code in (400, 422)
    assert response.mimetype == "application/problem+json"


def test_request_id_is_echoed_or_made(client):
    given = client.raw.get("/api/auth/health", headers={"X-Request-ID": "abc-123"})
    assert given.headers["X-Request-ID"] == "abc-123"
    hostile = client.raw.get("/api/auth/health", headers={"X-Request-ID": "x" * 500})
    assert len(hostile.headers["X-Request-ID"]) == 32


def test_production_refuses_dev_secrets():
    with pytest.raises(ConfigError) as error:
        Config.from_env({"TTS_ENV": "production"})
    message = str(error.value)
    assert "TTS_SECRET_KEY" in message and "TTS_JWT_PUBLIC_KEY_FILE" in message
    ok = Config.from_env(
        {
            "TTS_ENV": "production",
            "TTS_SECRET_KEY": "k" * 40,
            "TTS_JWT_PUBLIC_KEY_FILE": "/run/secrets/jwt.pub",
        }
    )
    assert ok.is_production


def test_per_service_database_urls():
    config = Config.from_env(
        {"TTS_DATABASE_HOST": "db", "TTS_TICKETS_DATABASE_URL": "postgresql://x@y/z"}
    )
    assert config.database_url("tickets") == "postgresql://x@y/z"
    assert config.database_url("auth").endswith("@db:5432/tts_auth")


def test_every_subscriber_is_a_declared_actor_on_its_queue(app):
    from common.broker import get_broker

    broker = get_broker()
    for spec in discover().values():
        if spec.tasks:
            load(spec.tasks)
    for event in CATALOGUE.values():
        assert event.producer in discover()
        for subscriber in event.subscribers:
            actor = broker.get_actor(subscriber.actor)
            assert actor.queue_name == subscriber.queue
            owner = subscriber.actor.split(".")[0]
            assert subscriber.queue in discover()[owner].queues


def test_out_of_range_ids_are_404_or_422_not_500(client, seeded):
    employee = client.as_user("employee@example.com")
    for path in (
        "/api/tickets/99999999999",
        "/api/tickets/0",
        "/api/chat/tickets/3000000000/messages",
    ):
        response = employee.get(path)
        assert response.status_code == 404, path
        assert response.mimetype == "application/problem+json"
    for path in (
        "/api/tickets?requester=99999999999",
        "/api/tickets?cursor=not-a-cursor-at-all",
        "/api/workflow/tasks?before=99999999999",
        "/api/workflow/tasks?assignee=99999999999",
        "/api/notifications?before=-1",
    ):
        response = employee.get(path)
        assert response.status_code == 422, path
        assert response.mimetype == "application/problem+json"


def test_nul_characters_are_bad_input_not_a_crash(client, seeded):
    employee = client.as_user("employee@example.com")
    body = {
        "subject": "Nul\u0000byte",
        "description": "x",
        "category": "Others",
        "department": "IT",
    }
    for response in (
        employee.post("/api/tickets", json=body),
        employee.get("/api/tickets?q=a%00b"),
        employee.get("/api/tickets?category=a%00"),
    ):
        assert response.status_code == 422
        assert response.mimetype == "application/problem+json"


def test_a_forged_cursor_is_a_422(client, seeded):
    import base64
    import json

    forged = base64.urlsafe_b64encode(
        json.dumps(["-created_at", "2026-01-01T00:00:00+00:00", True]).encode()
    ).decode()
    response = client.as_user("employee@example.com").get(f"/api/tickets?cursor={forged}")
    assert response.status_code == 422


def test_a_request_opens_no_cookie_session(app):
    """Callers are known by their tokens: a session cookie sent along is not even read, and
    ``flask.session`` is the null session (read empty, refuses writes)."""
    with app.test_request_context("/api/tickets/health", headers={"Cookie": "session=forged"}):
        assert isinstance(flask.session._get_current_object(), NullSession)
        assert dict(flask.session) == {}


def test_connections_opened_in_a_burst_are_kept_for_the_next(app):
    """Up to twice TTS_DATABASE_POOL_SIZE connections, each kept once opened: a second
    burst as large as the first finds the same ones (an overflow connection would have
    been closed, and PostgreSQL would start a backend for its replacement)."""
    from dataclasses import replace

    from sqlalchemy import create_engine

    from common.app import _binds
    from common.services import get

    options = dict(
        _binds([get("tickets")], replace(app.config["TTS_CONFIG"], database_pool_size=2))["tickets"]
    )
    engine = create_engine(options.pop("url"), **options)
    try:

        def burst() -> set[int]:
            held = [engine.connect() for _ in range(4)]
            pids = {c.exec_driver_sql("SELECT pg_backend_pid()").scalar() for c in held}
            for connection in held:
                connection.close()
            return pids

        first = burst()
        assert len(first) == 4
        assert burst() == first
    finally:
        engine.dispose()
