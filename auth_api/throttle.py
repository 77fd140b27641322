"""Login lockout: per client, per account, and per (account, client) pair, with backoff.

Why three counters: a lock on the account alone would let one attacker lock any victim
out by typing wrong passwords (a DoS lever), and a lock on the address alone lets a
botnet guess one account from thousands of addresses. So:

* ``pair`` (this account from this address): locks after ``PAIR_LIMIT`` failures. It stops
  one client guessing one account and never affects the victim on their own device.
* ``ip`` (this address, any account): locks after ``IP_LIMIT`` failures; stops a client
  spraying passwords over many accounts.
* ``acct`` (this account, any address): locks only after ``ACCOUNT_LIMIT`` failures, which
  one address can never reach (its pair and ip locks come first); reaching it means a
  distributed attack, and the owner is told by email.

Each lock lasts ``BASE_LOCK`` doubled per lock already served (capped at ``MAX_LOCK``);
failures older than ``WINDOW`` are forgotten. The counters are keyed by the email as typed
(normalised), whether or not such an account exists, so a lock tells nothing about which
accounts exist. A success clears the pair and account counters, never the address one
(an attacker must not reset it by logging into an account of their own).
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
