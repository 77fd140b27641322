"""TOTP two-factor authentication for staff (RFC 6238 through pyotp).

Enrolment gives a secret, its ``otpauth://`` URI, and that URI as a QR code image (a
PNG ``data:`` URI a page can show as is) for the authenticator app to scan;
the first valid code enables it and returns ten single-use recovery codes, stored only as
keyed hashes. A code is accepted once: the last accepted time step is kept, so a code seen
over someone's shoulder cannot be replayed in its 30-second window. Disabling needs the
password and a code. Every change is mailed to the user.
"""

from __future__ import annotations

import hmac
import secrets
import time

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, select

from auth_api import emails, passwords
from common.db import db, utcnow
from common.models.auth import RecoveryCode, User
from common.problems import Conflict, DomainError, Forbidden
from common.sealing import seal, unseal
from common.security import Principal

ISSUER = "TTS"
RECOVERY_CODES = 10
STEP = 30


class InvalidCode(DomainError):
    status = 400
    title = "Bad request"


def _config():
    return current_app.config["TTS_CONFIG"]


def is_offered(user: User) -> bool:
    """Two-factor is for staff, judged on the account's roles as they are now."""
    return Principal(user.id, user.email, user.name, user.roles_by_system()).is_staff


def enabled(user: User) -> bool:
    return user.mfa_enabled_at is not None


def begin(user: User) -> dict:
    if not is_offered(user):
        raise Forbidden("Two-factor authentication is offered to staff accounts.")
    if enabled(user):
        raise Conflict("Two-factor authentication is already on; disable it first.")
    secret = pyotp.random_base32()
    user.mfa_secret = seal(secret, _config())
    db.session.flush()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    # Medium error correction: still scans from a screen with glare or a smudge.
    qr_code = segno.make(uri, error="m").png_data_uri(scale=5)
    return {"secret": secret, "otpauth_uri": uri, "qr_code": qr_code}


def _check_totp(user: User, code: str) -> bool:
    if not user.mfa_secret or not code.isdigit():
        return False
    totp = pyotp.TOTP(unseal(user.mfa_secret, _config()))
    now_step = int(time.time()) // STEP
    for step in (now_step - 1, now_step, now_step + 1):
        if step <= (user.mfa_last_step or 0):
            continue
        if hmac.compare_digest(totp.at(step * STEP), code):
            user.mfa_last_step = step
            return True
    return False


def _check_recovery(user: User, code: str) -> bool:
    row = db.session.scalar(
        select(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == passwords.keyed_hash(code.strip().lower()),
            RecoveryCode.used_at.is_(None),
        )
        .with_for_update()
    )
    if row is None:
        return False
    row.used_at = utcnow()
    return True


def check(user: User, code: str | None, recovery_code: str | None = None) -> bool:
    if code and _check_totp(user, code.strip()):
        return True
    return bool(recovery_code) and _check_recovery(user, recovery_code)


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
    for code in codes:
        db.session.add(RecoveryCode(user_id=user.id, code_hash=passwords.keyed_hash(code)))
    return codes


def confirm(user: User, code: str) -> list[str]:
    if enabled(user):
        raise Conflict("Two-factor authentication is already on.")
    if not user.mfa_secret:
        raise Conflict("Start the enrolment first.")
    if not _check_totp(user, code):
        raise InvalidCode("The code is not valid.")
    user.mfa_enabled_at = utcnow()
    codes = _new_recovery_codes(user)
    emails.request_email(user, "mfa_enabled")
    db.session.flush()
    return codes


def disable(user: User, password: str, code: str | None, recovery_code: str | None) -> None:
    if not enabled(user):
        raise Conflict("Two-factor authentication is not on.")
    if not passwords.verify(user.password_hash, password) or not check(user, code, recovery_code):
        raise Forbidden("The password or the code is wrong.")
    user.mfa_secret = None
    user.mfa_enabled_at = None
    user.mfa_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    emails.request_email(user, "mfa_disabled")
    db.session.flush()


def regenerate(user: User, code: str) -> list[str]:
    if not enabled(user):
        raise Conflict("Two-factor authentication is not on.")
    if not _check_totp(user, code):
        raise InvalidCode("The code is not valid.")
    codes = _new_recovery_codes(user)
    emails.request_email(user, "mfa_recovery_codes")
    db.session.flush()
    return codes


def status(user: User) -> dict:
    remaining = db.session.scalar(
        select(db.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )
    return {"enabled": enabled(user), "offered": is_offered(user), "recovery_codes_left": remaining}
