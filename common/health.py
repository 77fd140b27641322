"""``<prefix>/health`` (the process answers) and ``<prefix>/ready`` (its database and broker
answer). Readiness results are cached for a second so probes cannot overload anything."""

from __future__ import annotations

import threading
import time

import marshmallow as ma
from sqlalchemy import text

from common.blueprint import Blueprint
from common.broker import get_broker, is_stub
from common.db import db

_CACHE_SECONDS = 1.0
_cache: dict[str, tuple[float, dict, int]] = {}
_cache_lock = threading.Lock()


def check_database(bind: str) -> str:
    try:
        db.session.execute(text("SELECT 1"), bind_arguments={"bind": db.engines[bind]})
        return "ok"
    except Exception as error:  # readiness reports, it never raises
        return f"error: {type(error).__name__}"


def check_broker() -> str:
    broker = get_broker()
    if is_stub(broker):
        return "ok"
    import pika

    try:
        # A fresh handshake, not the broker's cached channel: that is what "reachable" means.
        connection = pika.BlockingConnection(broker.parameters)
        connection.close()
        return "ok"
    except Exception as error:
        return f"error: {type(error).__name__}"


def readiness(bind: str) -> tuple[dict, int]:
    now = time.monotonic()
    with _cache_lock:
        cached = _cache.get(bind)
        if cached and now - cached[0] < _CACHE_SECONDS:
            return cached[1], cached[2]
    checks = {"database": check_database(bind), "broker": check_broker()}
    ok = all(value == "ok" for value in checks.values())
    body = {"status": "ready" if ok else "unavailable", "checks": checks}
    status = 200 if ok else 503
    with _cache_lock:
        _cache[bind] = (now, body, status)
    return body, status


class HealthOut(ma.Schema):
    status = ma.fields.String(metadata={"description": "ok"})
    service = ma.fields.String()


class ReadyOut(ma.Schema):
    status = ma.fields.String(metadata={"description": "ready, or unavailable (503)"})
    service = ma.fields.String()
    checks = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        metadata={"description": 'each dependency: "ok" or "error: <kind>"'},
    )


def health_blueprint(service: str, prefix: str) -> Blueprint:
    blp = Blueprint(
        f"{service}-health", __name__, url_prefix=prefix, description="Liveness and readiness"
    )

    @blp.route("/health")
    @blp.response(200, HealthOut)
    def health():
        return {"status": "ok", "service": service}

    @blp.route("/ready")
    @blp.doc(
        responses={
            "200": {
                "description": "The database and the broker answer",
                "content": {"application/json": {"schema": ReadyOut}},
            },
            "503": {
                "description": "A dependency does not answer (the same body)",
                "content": {"application/json": {"schema": ReadyOut}},
            },
        }
    )
    def ready():
        body, status = readiness(service)
        body["service"] = service
        return body, status

    return blp
