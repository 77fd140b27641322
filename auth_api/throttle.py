"""Login lockout: per client, per account, and per (account, client) pair, with backoff.

One counter alone would not do: a lock on the account would let any attacker lock its
owner out, and a lock on the address would let a botnet guess one account from thousands
of addresses. ``pair`` stops one client guessing one account without locking the owner's
own device; ``ip`` stops one client spraying many accounts; ``acct`` is reached only by a
distributed attack, whose owner is told by email. Counters are keyed by the email as typed,
whether or not the account exists, so a lock reveals nothing; a success never clears the
address counter. The limits and backoff: docs/security.md.
"""

from __future__ import annotations

import math
from datetime import timedelta

from flask import g
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from common.db import db, utcnow
from common.models.auth import LoginThrottle
from common.problems import DomainError

PAIR_LIMIT = 5
IP_LIMIT = 20
ACCOUNT_LIMIT = 50
BASE_LOCK = timedelta(seconds=30)
MAX_LOCK = timedelta(minutes=15)
WINDOW = timedelta(minutes=15)


class TooManyAttempts(DomainError):
    status = 429
    title = "Too many requests"


def _keys(email: str, ip: str) -> dict[str, tuple[str, int]]:
    return {
        "pair": (f"pair:{email}|{ip}", PAIR_LIMIT),
        "ip": (f"ip:{ip}", IP_LIMIT),
        "acct": (f"acct:{email}", ACCOUNT_LIMIT),
    }


def check(email: str, ip: str) -> None:
    """Refuse at once (before any hash) while any of the three counters is locked."""
    now = utcnow()
    keys = [key for key, _ in _keys(email, ip).values()]
    locked = db.session.scalars(
        select(LoginThrottle.locked_until).where(
            LoginThrottle.key.in_(keys), LoginThrottle.locked_until > now
        )
    ).all()
    if locked:
        wait = max(1, math.ceil((max(locked) - now).total_seconds()))
        g.retry_after = wait  # the blueprint turns it into a Retry-After header
        raise TooManyAttempts(
            f"Too many failed sign-in attempts: try again in {_in_words(wait)}.",
            retry_after=wait,
        )


def _in_words(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{math.ceil(seconds / 60)} minutes"


def record_failure(email: str, ip: str) -> bool:
    """Count a failure everywhere; True when this failure locked the account itself."""
    now = utcnow()
    account_locked = False
    for scope, (key, limit) in _keys(email, ip).items():
        db.session.execute(
            insert(LoginThrottle)
            .values(key=key, failures=0, lockouts=0)
            .on_conflict_do_nothing(index_elements=[LoginThrottle.key])
        )
        row = db.session.scalar(
            select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()
        )
        if row.last_failure_at is not None and now - row.last_failure_at > WINDOW:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        if row.failures >= limit:
            row.locked_until = now + min(MAX_LOCK, BASE_LOCK * 2**row.lockouts)
            row.lockouts = min(row.lockouts + 1, 16)
            row.failures = 0
            account_locked = account_locked or scope == "acct"
    db.session.flush()
    return account_locked


def record_success(email: str, ip: str) -> None:
    keys = _keys(email, ip)
    db.session.execute(
        delete(LoginThrottle).where(LoginThrottle.key.in_([keys["pair"][0], keys["acct"][0]]))
    )
