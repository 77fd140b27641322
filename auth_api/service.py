"""Accounts, role grants and token issuing. Functions flush, the caller commits."""

from __future__ import annotations

from flask import current_app
from flask_jwt_extended import create_access_token, create_refresh_token
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from common.db import db, utcnow
from common.models.auth import Role, System, User, UserRole
from common.outbox import emit
from common.problems import Unauthorized

# werkzeug's scrypt (n=2**15, r=8, p=1): memory-hard and about 50 ms a check here.
PASSWORD_METHOD = "scrypt"
# Checked when the email is unknown so both failures cost the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method=PASSWORD_METHOD)


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=PASSWORD_METHOD)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str) -> User:
    user = find_user(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        raise Unauthorized("Invalid email or password")
    if not check_password_hash(user.password_hash, password) or not user.is_active:
        raise Unauthorized("Invalid email or password")
    user.last_login_at = utcnow()
    return user


def issue_tokens(user: User) -> dict:
    claims = {"email": user.email, "name": user.name, "roles": user.roles_by_system()}
    headers = {"kid": current_app.config["TTS_JWK"]["kid"]}
    identity = str(user.id)
    access = create_access_token(identity, additional_claims=claims, additional_headers=headers)
    refresh = create_refresh_token(identity, additional_headers=headers)
    expires = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]
    return {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "Bearer",
        "expires_in": int(expires.total_seconds()),
        "user": user_view(user),
    }


def user_view(user: User) -> dict:
    return {"id": user.id, "email": user.email, "name": user.name, "roles": user.roles_by_system()}


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        raise Unauthorized("Unknown or inactive user")
    return user


def ensure_system(slug: str, name: str) -> System:
    system = db.session.scalar(select(System).where(System.slug == slug))
    if system is None:
        system = System(slug=slug, name=name)
        db.session.add(system)
        db.session.flush()
    return system


def ensure_role(system: System, name: str, description: str = "") -> Role:
    role = db.session.scalar(select(Role).where(Role.system_id == system.id, Role.name == name))
    if role is None:
        role = Role(system_id=system.id, name=name, description=description)
        db.session.add(role)
        db.session.flush()
        emit("roles.sync", {"role_id": role.id, "system": system.slug, "name": name})
    return role


def ensure_user(email: str, name: str, password: str) -> tuple[User, bool]:
    """The user with this email, created with ``password`` if new (never reset)."""
    user = find_user(email)
    if user is not None:
        return user, False
    user = User(email=normalise_email(email), name=name, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    return user, True


def grant_role(user: User, role: Role, *, deployed: bool = True) -> UserRole:
    grant = db.session.scalar(
        select(UserRole).where(UserRole.user_id == user.id, UserRole.role_id == role.id)
    )
    if grant is not None and grant.is_active:
        return grant
    if grant is None:
        grant = UserRole(user=user, role=role, is_active=True, settings={"deployed": deployed})
        db.session.add(grant)
    else:
        grant.is_active = True
        grant.version += 1
    db.session.flush()
    emit_grant(grant)
    return grant


def emit_grant(grant: UserRole, deleted: bool = False) -> None:
    emit(
        "user_roles.sync",
        {
            "grant_id": grant.id,
            "user_id": grant.user.id,
            "user_name": grant.user.name,
            "user_email": grant.user.email,
            "system": grant.role.system.slug,
            "role": grant.role.name,
            "is_active": grant.is_active and grant.user.is_active,
            "deployed": bool((grant.settings or {}).get("deployed", True)),
            "version": grant.version,
            "deleted": deleted,
        },
    )
