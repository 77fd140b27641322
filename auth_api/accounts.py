"""User accounts: the directory, invitations, self-registration, profile, passwords,
deactivation. No password ever travels in a mail or a response: invited users and users
who forgot theirs get a one-time, expiring link. Functions flush; the caller commits."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, or_, select

from auth_api import emails, passwords, roles, sessions, tokens
from common.db import db, utcnow
from common.models.auth import OneTimeToken, Role, System, User, UserRole
from common.problems import Conflict, Forbidden, NotFound, Unauthorized

log = logging.getLogger(__name__)


def _config():
    return current_app.config["TTS_CONFIG"]


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def get_active_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        raise Unauthorized("Unknown or inactive user")
    return user


def _new_user(email: str, name: str, password: str | None, *, rule=True, **fields) -> User:
    email = normalise_email(email)
    if find_user(email) is not None:
        raise Conflict("A user with this email exists.", errors={"email": ["Already in use."]})
    if password is not None and rule:
        passwords.check_rule(password, email)
    user = User(
        email=email,
        name=name.strip(),
        # No password yet (an invitation): an empty hash never verifies.
        password_hash=passwords.hash_password(password) if password else "",
        password_changed_at=utcnow() if password else None,
        session_epoch=0,
        **fields,
    )
    db.session.add(user)
    db.session.flush()
    return user


def ensure_user(email: str, name: str, password: str) -> tuple[User, bool]:
    """The user with this email, created with ``password`` if new (never reset). Seeds
    only: the operator chose the password, so the length rule is theirs to keep."""
    user = find_user(email)
    if user is not None:
        return user, False
    return _new_user(email, name, password, rule=False), True


def create_user(email: str, name: str, password: str | None, grants: list[Role]) -> User:
    user = _new_user(email, name, password)
    for role in grants:
        roles.grant_role(user, role)
    return user


def invite(email: str, name: str, grants: list[Role]) -> User:
    user = create_user(email, name, None, grants)
    send_invitation(user)
    return user


def send_invitation(user: User) -> None:
    if user.password_hash:
        raise Conflict("This user has already set a password.")
    if not user.is_active:
        raise Conflict("The account is deactivated (or its invitation revoked); activate it first.")
    hours = _config().invitation_hours
    raw = tokens.issue(user, tokens.INVITE, timedelta(hours=hours))
    emails.request_email(
        user, "invitation", {"hours": hours}, link=emails.link("/accept-invitation", raw)
    )


def accept_invitation(raw: str, password: str) -> User:
    user = tokens.consume(raw, tokens.INVITE)
    _set_password(user, password)
    return user


def register(email: str, name: str, password: str) -> None:
    """Employee self-registration. The answer never says whether the email was taken."""
    mode = _config().registration_mode
    if mode == "closed":
        raise Forbidden("Self-registration is closed; ask an administrator for an invitation.")
    existing = find_user(email)
    if existing is not None:
        passwords.burn(password)  # same time as the path that hashes
        emails.request_email(existing, "account_exists")
        return
    pending = mode == "approval"
    user = _new_user(
        email, name, password, is_active=not pending, registration="pending" if pending else None
    )
    if not pending:
        roles.grant_role(user, _employee_role())


def _employee_role() -> Role:
    return roles.find_role(roles.get_system("hdts"), "Employee")


def list_registrations(status: str) -> list[User]:
    return list(db.session.scalars(select(User).where(User.registration == status)))


def decide_registration(user: User, approve: bool) -> User:
    if user.registration != "pending":
        raise Conflict("This registration is not pending.")
    if approve:
        user.registration = None
        user.is_active = True
        roles.grant_role(user, _employee_role())
        emails.request_email(user, "registration_approved")
    else:
        user.registration = "rejected"
        emails.request_email(user, "registration_rejected")
    db.session.flush()
    return user


def search(
    q: str | None,
    system: str | None,
    active: bool | None,
    page: int,
    per_page: int,
    role: str | None = None,
    status: str | None = None,
):
    query = select(User)
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(User.email.ilike(pattern), User.name.ilike(pattern)))
    if system or role:
        holders = (
            select(UserRole.user_id)
            .join(Role, UserRole.role_id == Role.id)
            .join(System, Role.system_id == System.id)
            .where(UserRole.is_active.is_(True))
        )
        if system:
            holders = holders.where(System.slug == system)
        if role:
            holders = holders.where(Role.name == role)
        query = query.where(User.id.in_(holders))
    if active is not None:
        query = query.where(User.is_active.is_(active))
    if status is not None:
        query = query.where(*_STATUS[status])
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(
        query.order_by(User.id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return items, total


# What each ``status`` of the directory means, as conditions on the row.
_STATUS = {
    "active": (User.is_active.is_(True), User.password_hash != ""),
    "deactivated": (User.is_active.is_(False), User.registration.is_(None)),
    "invited": (User.is_active.is_(True), User.password_hash == ""),
    "pending": (User.registration == "pending",),
}


def revoke_invitation(user: User) -> User:
    """Withdraw an invitation: its link stops working and the account is deactivated (it
    is kept, so the address and its grants can be invited again after activating it)."""
    if user.password_hash:
        raise Conflict("This user has already set a password.")
    tokens.void(user, tokens.INVITE)
    return set_active(user, False)


def update_user(user: User, name: str | None, email: str | None) -> User:
    if email is not None and normalise_email(email) != user.email:
        if find_user(email) is not None:
            raise Conflict("A user with this email exists.", errors={"email": ["Already in use."]})
        user.email = normalise_email(email)
    if name is not None:
        user.name = name.strip()
    db.session.flush()
    roles.sync_user_grants(user)
    return user


def set_active(user: User, active: bool) -> User:
    """Deactivation ends every session at once (in every service) and takes the user off
    every role holder list."""
    if user.is_active == active:
        return user
    user.is_active = active
    if not active:
        sessions.revoke_all(user, "deactivated")
    roles.sync_user_grants(user)
    return user


def _set_password(user: User, password: str) -> None:
    passwords.check_rule(password, user.email)
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = utcnow()
    db.session.flush()


def set_password(user: User, password: str) -> None:
    """An administrator's reset (CLI): the new password ends every session."""
    _set_password(user, password)
    sessions.revoke_all(user, "password_set")


def change_password(user: User, current: str, new: str) -> dict:
    """The user's own change: every other session ends; this one gets a new token pair."""
    if not passwords.verify(user.password_hash, current):
        raise Forbidden("The current password is wrong.")
    _set_password(user, new)
    sessions.revoke_all(user, "password_changed")
    emails.request_email(user, "password_changed")
    return sessions.start_session(user)


def forgot_password(email: str) -> None:
    """Mail a reset link to an active account; the answer is the same for any email."""
    user = find_user(email)
    if user is None or not user.is_active:
        return
    if _resets_sent_this_hour(user) >= _config().resets_per_hour:
        # The same answer as ever, so the cap tells nothing; the last link stays valid.
        log.warning("password reset refused: hourly cap reached", extra={"user_id": user.id})
        return
    minutes = _config().reset_minutes
    raw = tokens.issue(user, tokens.RESET, timedelta(minutes=minutes))
    emails.request_email(
        user, "password_reset", {"minutes": minutes}, link=emails.link("/reset-password", raw)
    )


def _resets_sent_this_hour(user: User) -> int:
    """Reset links issued to ``user`` in the last hour. The user's row is locked first, so
    concurrent requests count one after another and cannot all slip under the cap."""
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    return db.session.scalar(
        select(func.count())
        .select_from(OneTimeToken)
        .where(
            OneTimeToken.user_id == user.id,
            OneTimeToken.purpose == tokens.RESET,
            OneTimeToken.created_at > utcnow() - timedelta(hours=1),
        )
    )


def reset_password(raw: str, password: str) -> None:
    user = tokens.consume(raw, tokens.RESET)
    if not user.is_active:
        raise tokens.InvalidLink("This link is invalid or has expired.")
    _set_password(user, password)
    sessions.revoke_all(user, "password_reset")
    emails.request_email(user, "password_changed")
