"""Signing in: lockout, password, second factor, then a new session.

A failed attempt must still be committed (its counters), so its errors are raised with
``keep_changes=True``. An unknown email and a wrong password take the same path, the same
hash time and the same answer.
"""

from __future__ import annotations

from auth_api import accounts, emails, mfa, passwords, sessions, throttle
from common.problems import Unauthorized
from common.security import client_ip

BAD_CREDENTIALS = "Invalid email or password"


class MfaRequired(Unauthorized):
    """The password was right; the account wants its second factor."""


def login(email: str, password: str, otp=None, recovery_code=None) -> dict:
    email = accounts.normalise_email(email)
    ip = client_ip()
    throttle.check(email, ip)
    user = accounts.find_user(email)
    ok = passwords.verify(user.password_hash if user else None, password)
    if not ok or not user.is_active:
        if throttle.record_failure(email, ip) and user is not None:
            emails.request_email(user, "lockout", {"minutes": 15})
        raise Unauthorized(BAD_CREDENTIALS, keep_changes=True)
    if mfa.enabled(user):
        if not otp and not recovery_code:
            raise MfaRequired("Two-factor code required", mfa_required=True)
        if not mfa.check(user, otp, recovery_code):
            throttle.record_failure(email, ip)
            raise MfaRequired("Invalid two-factor code", keep_changes=True, mfa_required=True)
    throttle.record_success(email, ip)
    return sessions.start_session(user)
