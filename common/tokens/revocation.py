"""Rejecting revoked access tokens in every service.

Access tokens live 15 minutes and carry ``sid`` (their session, the refresh-token family),
``sev`` (the user's session epoch when issued) and ``rev`` (the user's roles epoch).
auth_api revokes a session (logout, refresh-token reuse), every session of a user
(deactivation, password reset), or a user's access tokens issued before their roles
changed (the client refreshes and carries the new roles) in its own
``revocations`` table and publishes ``auth.sessions_revoked``; each other service keeps the
same tiny table from that event. Verification looks the token up in an in-process copy of
the table, re-read every ``revocation_cache_seconds`` (2 s by default): a revoked token
stops working everywhere within the event's delivery time plus that window, and a
request pays a dict lookup, not a query. auth_api reads its table directly.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert

from common.db import db
from common.logs import service_var
from common.models.mixins import REVOCATION_MODELS


class _Floors:
    """Revoked sessions, and per user the lowest session and roles epochs still valid."""

    def __init__(self):
        self.sessions: set[str] = set()
        self.users: dict[int, int] = {}
        self.roles: dict[int, int] = {}


class _Snapshot:
    def __init__(self, floors: _Floors, loaded: float):
        self.floors = floors
        self.loaded = loaded


_snapshots: dict[str, _Snapshot] = {}
_lock = threading.Lock()


def session_key(session_id: str) -> str:
    return f"sid:{session_id}"


def user_key(user_id: int) -> str:
    return f"user:{user_id}"


def roles_key(user_id: int) -> str:
    return f"roles:{user_id}"


def _bind() -> str | None:
    service = service_var.get()
    services = current_app.config.get("TTS_SERVICES") or []
    if service in services:
        return service
    return services[0] if len(services) == 1 else None


def _revoked(floors: _Floors, payload: dict, check_roles: bool = True) -> bool:
    sid = payload.get("sid")
    if sid and session_key(str(sid)) in floors.sessions:
        return True
    try:
        user_id = int(payload.get("sub"))
    except (TypeError, ValueError):
        return True
    floor = floors.users.get(user_id)
    if floor is not None and int(payload.get("sev") or 0) < floor:
        return True
    # A change of roles retires access tokens only: the refresh token fetches new ones.
    floor = floors.roles.get(user_id)
    if floor is None or not check_roles or payload.get("type") == "refresh":
        return False
    return int(payload.get("rev") or 0) < floor


def is_revoked(payload: dict, check_roles: bool = True) -> bool:
    """``check_roles=False``: a token retired only because its roles changed still counts
    (ending a session must stay possible with it)."""
    bind = _bind()
    model = REVOCATION_MODELS.get(bind) if bind else None
    if model is None:
        return False
    ttl = model.cache_seconds
    if ttl is None:
        ttl = current_app.config["TTS_CONFIG"].revocation_cache_seconds
    if ttl <= 0:
        keys = []
        if str(payload.get("sub", "")).isdigit():
            keys += [user_key(int(payload["sub"])), roles_key(int(payload["sub"]))]
        if payload.get("sid"):
            keys.append(session_key(str(payload["sid"])))
        rows = db.session.execute(
            select(model.subject, model.min_epoch).where(model.subject.in_(keys))
        ).all()
        return _revoked(_split(rows), payload, check_roles)
    snapshot = _snapshots.get(bind)
    if snapshot is None or time.monotonic() - snapshot.loaded > ttl:
        snapshot = _load(bind, model)
    return _revoked(snapshot.floors, payload, check_roles)


def _split(rows) -> _Floors:
    floors = _Floors()
    for subject, min_epoch in rows:
        kind, _, rest = subject.partition(":")
        if kind == "user":
            floors.users[int(rest)] = min_epoch
        elif kind == "roles":
            floors.roles[int(rest)] = min_epoch
        else:
            floors.sessions.add(subject)
    return floors


def _load(bind: str, model) -> _Snapshot:
    rows = db.session.execute(
        select(model.subject, model.min_epoch).where(model.expires_at > func.now())
    ).all()
    snapshot = _Snapshot(_split(rows), loaded=time.monotonic())
    with _lock:
        _snapshots[bind] = snapshot
    return snapshot


def forget_cache(bind: str | None = None) -> None:
    with _lock:
        if bind is None:
            _snapshots.clear()
        else:
            _snapshots.pop(bind, None)


def record(bind: str, payload: dict) -> None:
    """Apply one ``auth.sessions_revoked`` payload to ``bind``'s table (idempotent and
    order-independent: a session stays revoked, a user's floors only rise)."""
    model = REVOCATION_MODELS[bind]
    expires_at = datetime.fromisoformat(payload["expires_at"])
    rows = []
    if payload.get("session_id"):
        rows.append({"subject": session_key(payload["session_id"]), "min_epoch": 0})
    if payload.get("min_epoch") is not None:
        rows.append({"subject": user_key(payload["user_id"]), "min_epoch": payload["min_epoch"]})
    if payload.get("min_roles_epoch") is not None:
        rows.append(
            {"subject": roles_key(payload["user_id"]), "min_epoch": payload["min_roles_epoch"]}
        )
    for values in rows:
        statement = insert(model).values(**values, expires_at=expires_at)
        db.session.execute(
            statement.on_conflict_do_update(
                index_elements=[model.subject],
                set_={
                    "min_epoch": func.greatest(model.min_epoch, statement.excluded.min_epoch),
                    "expires_at": func.greatest(model.expires_at, statement.excluded.expires_at),
                },
            )
        )
    # Rows whose tokens have all expired are dead weight: prune them as we go.
    cutoff = datetime.now(UTC) - timedelta(minutes=1)
    db.session.execute(delete(model).where(model.expires_at < cutoff))
    db.session.flush()
    forget_cache(bind)
