"""One-time tokens for invitations and password resets: random, stored only as a keyed
hash, expiring, and single use (consumed with a row lock, so two concurrent uses cannot
both succeed)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from auth_api.passwords import keyed_hash, new_secret
from common.db import db, utcnow
from common.models.auth import OneTimeToken, User
from common.problems import DomainError

INVITE = "invite"
RESET = "reset"


class InvalidLink(DomainError):
    status = 400
    title = "Bad request"


def void(user: User, purpose: str) -> None:
    """Every unused token of ``user`` for ``purpose`` stops working."""
    db.session.execute(
        update(OneTimeToken)
        .where(
            OneTimeToken.user_id == user.id,
            OneTimeToken.purpose == purpose,
            OneTimeToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )


def issue(user: User, purpose: str, lifetime: timedelta) -> str:
    """A new token for ``purpose``; earlier unused ones for the same purpose stop working."""
    now = utcnow()
    void(user, purpose)
    raw = new_secret()
    db.session.add(
        OneTimeToken(
            user_id=user.id, purpose=purpose, token_hash=keyed_hash(raw), expires_at=now + lifetime
        )
    )
    db.session.flush()
    return raw


def consume(raw: str, purpose: str) -> User:
    """The token's user, marking the token used; one answer for every way it can be bad."""
    row = db.session.scalar(
        select(OneTimeToken)
        .where(OneTimeToken.token_hash == keyed_hash(raw), OneTimeToken.purpose == purpose)
        .with_for_update()
    )
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        raise InvalidLink("This link is invalid or has expired.")
    row.used_at = utcnow()
    user = db.session.get(User, row.user_id)
    db.session.flush()
    return user
