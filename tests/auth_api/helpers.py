"""Helpers for auth_api tests: tokens without the password hash's cost, sent emails."""

from __future__ import annotations

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
