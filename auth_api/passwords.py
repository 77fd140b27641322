"""Password hashing and the password rule.

werkzeug's scrypt with its default cost (n=2**15, r=8, p=1: 32 MiB; ~110 ms per check
measured here on a busy 2-core box). That cost is the login endpoint's ceiling
(about 2 cores / 60 ms = ~30 logins/s on an idle machine), far above a help desk's peak.
It is below OWASP's scrypt minimum (n=2**17, or n=2**15 with p=3), which would triple the
cost per login; online guessing is capped by lockout (throttle.py) instead, and offline
guessing after a table leak still pays 32 MiB per guess. Raising p is a one-line change
(``scrypt:32768:8:3``) that rehashing on the next login could roll out.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from common.problems import Unprocessable

PASSWORD_METHOD = "scrypt"
MIN_LENGTH = 10
MAX_LENGTH = 1024
# Checked when there is no real hash to check, so every failure costs the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method=PASSWORD_METHOD)


class WeakPassword(Unprocessable):
    """A password the policy refuses: too short, or the account's own email address."""


def check_rule(password: str, email: str = "") -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(
            f"Password must have at least {MIN_LENGTH} characters.",
            errors={"password": [f"At least {MIN_LENGTH} characters."]},
        )
    if email and password.strip().lower() == email.strip().lower():
        raise WeakPassword(
            "Password must not be the email address.",
            errors={"password": ["Must not be the email address."]},
        )


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=PASSWORD_METHOD)


def verify(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not there is a hash to check."""
    if not password_hash:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(password_hash, password)


def burn(password: str) -> None:
    """Spend a hash's time on nothing (unknown email: answer as slowly as a wrong password)."""
    check_password_hash(_DUMMY_HASH, password)


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def keyed_hash(value: str) -> str:
    """HMAC-SHA256 with the server secret: what we store for one-time tokens and recovery
    codes (high-entropy values, so a fast keyed hash is enough and a DB leak alone is
    useless)."""
    key = current_app.config["TTS_CONFIG"].secret_key.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
