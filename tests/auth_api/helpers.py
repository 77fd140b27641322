"""Helpers for auth_api tests: tokens without the password hash's cost, sent emails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt as pyjwt
from sqlalchemy import select

from common.broker import get_broker
from common.db import db
from common.models.auth import User


def user_id(email: str) -> int:
    return db.session.scalar(select(User.id).where(User.email == email))


def mint(app, email: str) -> dict:
    """A real session's token pair for a seeded user (no scrypt, no lockout counters)."""
    from auth_api import sessions

    with app.test_request_context():
        user = db.session.scalar(select(User).where(User.email == email))
        tokens = sessions.start_session(user)
        db.session.commit()
        return tokens


def person_with_roles(app, email: str, *grants: tuple[str, str], name: str = "Pat Person") -> str:
    """A new account holding ``grants`` (``(system, role)`` pairs): its access token."""
    from auth_api import accounts, roles

    with app.app_context():
        user, _ = accounts.ensure_user(email, name, "a-long-password-1")
        for system, role in grants:
            roles.grant_role(user, roles.find_role(roles.get_system(system), role))
        db.session.commit()
    return mint(app, email)["access_token"]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def queued_emails() -> list[dict]:
    """The ``auth.email_requested`` payloads waiting on the email queue (not yet sent)."""
    from dramatiq import Message

    broker = get_broker()
    queue = broker.queues.get("email")
    if queue is None:
        return []
    return [Message.decode(raw).args[0]["payload"] for raw in list(queue.queue)]


def claims(**changes):
    """Valid claims for user 1 (an attack changes one thing), its roles epoch current."""
    now = datetime.now(UTC)
    claims = {
        "sub": "1",
        "type": "access",
        "iss": "tts-auth",
        "aud": "tts",
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=5),
        "jti": "x",
        "email": "x@example.com",
        "name": "X",
        "roles": {"tts": ["Admin"], "hdts": ["Admin"]},
        "rev": db.session.get(User, 1).roles_epoch,
    }
    claims.update(changes)
    return claims


def signed(app, claims, **headers):
    kid = app.extensions["tts_keyset"]["keys"].current_kid
    return pyjwt.encode(
        claims, app.config["JWT_PRIVATE_KEY"], "RS256", headers={"kid": kid, **headers}
    )
