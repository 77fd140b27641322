"""Tokens: issuing a session's pair, rotating refresh tokens, revoking sessions.

A session is one refresh-token family (``sessions`` row, id = the ``sid`` claim of every
token it issues). Each refresh returns a new pair and makes the presented refresh token
stale; presenting a stale one again means two parties hold the family (a stolen token),
so the whole family is revoked. Revoking a session or all of a user's sessions writes
auth's own revocation rows (checked on each of its requests) and publishes
``auth.sessions_revoked`` so every other service rejects the access tokens too.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import current_app, request
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from jwt import InvalidTokenError
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from common.db import db, utcnow
from common.models.auth import Session, User
from common.outbox import emit
from common.problems import Unauthorized
from common.security import client_ip
from common.tokens.revocation import record


def _lifetimes() -> tuple[timedelta, timedelta]:
    return (
        current_app.config["JWT_ACCESS_TOKEN_EXPIRES"],
        current_app.config["JWT_REFRESH_TOKEN_EXPIRES"],
    )


def user_view(user: User) -> dict:
    return {"id": user.id, "email": user.email, "name": user.name, "roles": user.roles_by_system()}


def _pair(user: User, session: Session) -> dict:
    access_life, _ = _lifetimes()
    identity = str(user.id)
    common = {"sid": str(session.id), "sev": user.session_epoch}
    access = create_access_token(
        identity,
        additional_claims={
            **common,
            "rev": user.roles_epoch,
            "email": user.email,
            "name": user.name,
            "roles": user.roles_by_system(),
        },
    )
    jti = uuid.uuid4().hex
    refresh = create_refresh_token(identity, additional_claims={**common, "jti": jti})
    session.current_jti = jti
    session.last_used_at = utcnow()
    return {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "Bearer",
        "expires_in": int(access_life.total_seconds()),
        "user": user_view(user),
    }


def start_session(user: User) -> dict:
    _, refresh_life = _lifetimes()
    session = Session(
        id=uuid.uuid4(),
        user_id=user.id,
        current_jti="",
        expires_at=utcnow() + refresh_life,
        client_ip=client_ip()[:64] if request else None,
        user_agent=(request.headers.get("User-Agent") or "")[:200] if request else None,
    )
    db.session.add(session)
    user.last_login_at = utcnow()
    tokens = _pair(user, session)
    db.session.flush()
    return tokens


def _decode_refresh(token: str) -> dict:
    try:
        claims = decode_token(token)
    except InvalidTokenError as error:  # expired, bad signature, wrong iss/aud/alg
        raise Unauthorized("Invalid refresh token") from error
    if claims.get("type") != "refresh" or not claims.get("sid"):
        raise Unauthorized("Invalid refresh token")
    return claims


def refresh(token: str) -> dict:
    """A new pair for a valid, current refresh token; reuse of a stale one kills the family."""
    claims = _decode_refresh(token)
    try:
        session_id = uuid.UUID(claims["sid"])
    except ValueError as error:
        raise Unauthorized("Invalid refresh token") from error
    session = db.session.scalar(select(Session).where(Session.id == session_id).with_for_update())
    if session is None or session.revoked_at is not None or session.expires_at <= utcnow():
        raise Unauthorized("Session has ended")
    user = db.session.get(User, session.user_id)
    if user is None or not user.is_active or int(claims.get("sev", 0)) < user.session_epoch:
        raise Unauthorized("Session has ended")
    if claims.get("jti") != session.current_jti:
        revoke_session(session, "refresh_reuse")
        raise Unauthorized(
            "Refresh token was already used; the session has been ended", keep_changes=True
        )
    return _pair(user, session)


def _access_expiry():
    access_life, _ = _lifetimes()
    return (utcnow() + access_life + timedelta(minutes=1)).isoformat()


def revoke_session(session: Session, reason: str) -> None:
    if session.revoked_at is None:
        session.revoked_at = utcnow()
        session.revoked_reason = reason
    payload = {
        "user_id": session.user_id,
        "session_id": str(session.id),
        "min_epoch": None,
        "expires_at": _access_expiry(),
    }
    record("auth", payload)
    emit("auth.sessions_revoked", payload)


def revoke_session_id(session_id: str | None, user_id: int, reason: str) -> None:
    try:
        key = uuid.UUID(str(session_id))
    except ValueError:
        return
    session = db.session.get(Session, key)
    if session is not None and session.user_id == user_id:
        revoke_session(session, reason)


def _raise_epoch(user: User, column) -> int:
    """Add one to the user's epoch in the database (two concurrent changes give two
    steps, never one lost), and return the new value."""
    epoch = db.session.execute(
        update(User).where(User.id == user.id).values({column: column + 1}).returning(column)
    ).scalar_one()
    set_committed_value(user, column.key, epoch)
    return epoch


def retire_access_tokens(user: User) -> None:
    """The user's roles changed: their access tokens issued before now are refused, and
    the next refresh (the session is untouched) carries the new roles. Without this a
    demoted admin would keep their rights until the token expired."""
    payload = {
        "user_id": user.id,
        "session_id": None,
        "min_epoch": None,
        "min_roles_epoch": _raise_epoch(user, User.roles_epoch),
        "expires_at": _access_expiry(),
    }
    record("auth", payload)
    emit("auth.sessions_revoked", payload)


def revoke_all(user: User, reason: str) -> None:
    """End every session of ``user``: raise the epoch every token carries."""
    epoch = _raise_epoch(user, User.session_epoch)
    db.session.execute(
        update(Session)
        .where(Session.user_id == user.id, Session.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
    )
    payload = {
        "user_id": user.id,
        "session_id": None,
        "min_epoch": epoch,
        "expires_at": _access_expiry(),
    }
    record("auth", payload)
    emit("auth.sessions_revoked", payload)
