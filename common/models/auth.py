"""auth_api's tables (database ``tts_auth``): users, systems, roles and who holds them,
sessions (refresh-token families), one-time tokens, login throttles and 2FA codes."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from common.db import db
from common.models.mixins import (
    HeartbeatMixin,
    JobFailureMixin,
    OpsAuditMixin,
    OutboxMixin,
    RevocationMixin,
)

BIND = "auth"


class User(db.Model):
    __bind_key__ = BIND
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Stored lower-cased by the service so the unique index is case-insensitive in effect.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Self-registration: "pending" until an hdts admin approves, "rejected" after; NULL
    # for everyone else. Pending and rejected users are inactive.
    registration: Mapped[str | None] = mapped_column(String(20))
    # Raised to revoke every session at once; tokens carry it as ``sev``.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Raised when the user's roles change: access tokens carry it as ``rev`` and older ones
    # are refused, so the client refreshes (the session lives on) and gets the new roles.
    roles_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # TOTP: the secret sealed with the server secret; enabled once a first code verified.
    mfa_secret: Mapped[str | None] = mapped_column(String(500))
    mfa_enabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The last time step accepted: a code cannot be replayed within its window.
    mfa_last_step: Mapped[int | None] = mapped_column(Integer)

    role_grants: Mapped[list[UserRole]] = relationship(back_populates="user", lazy="selectin")

    def roles_by_system(self) -> dict[str, list[str]]:
        """The token's ``roles`` claim: active grants only, as {system slug: [role, ...]}."""
        roles: dict[str, list[str]] = {}
        for grant in self.role_grants:
            if grant.is_active:
                roles.setdefault(grant.role.system.slug, []).append(grant.role.name)
        return {system: sorted(names) for system, names in sorted(roles.items())}


class System(db.Model):
    __bind_key__ = BIND
    __tablename__ = "systems"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))


class Role(db.Model):
    __bind_key__ = BIND
    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("system_id", "name", name="uq_roles_system_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # Bumped on every change so replicas keep the newest state whatever the delivery order.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    system: Mapped[System] = relationship(lazy="joined")


class UserRole(db.Model):
    """A user holding a role in a system; ``settings`` carries per-assignment flags."""

    __bind_key__ = BIND
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role_id", name="uq_user_roles_user_role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id", ondelete="CASCADE"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    settings: Mapped[dict] = mapped_column(JSONB, default=lambda: {"deployed": True})
    # Bumped on every change so consumers can drop a stale update that arrives late.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    assigned_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    user: Mapped[User] = relationship(back_populates="role_grants")
    role: Mapped[Role] = relationship(lazy="joined")


class Session(db.Model):
    """A login: one refresh-token family. Only its newest refresh token (``current_jti``)
    is accepted; presenting an older one means it was stolen, and the family is revoked."""

    __bind_key__ = BIND
    __tablename__ = "sessions"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    current_jti: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_reason: Mapped[str | None] = mapped_column(String(40))
    client_ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(200))


class OneTimeToken(db.Model):
    """An invitation or password-reset token. Only its keyed hash is stored."""

    __bind_key__ = BIND
    __tablename__ = "one_time_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginThrottle(db.Model):
    """Failed logins per key (an account, a client address, or the pair) and the lock."""

    __bind_key__ = BIND
    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    lockouts: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RecoveryCode(db.Model):
    __bind_key__ = BIND
    __tablename__ = "mfa_recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuthOutbox(OutboxMixin, db.Model):
    __bind_key__ = BIND


class AuthRevocation(RevocationMixin, db.Model):
    __bind_key__ = BIND
    cache_seconds = 0  # auth reads its own table: a logout is final at once


class AuthJobFailure(JobFailureMixin, db.Model):
    __bind_key__ = BIND


class AuthHeartbeat(HeartbeatMixin, db.Model):
    __bind_key__ = BIND


class AuthOpsAudit(OpsAuditMixin, db.Model):
    __bind_key__ = BIND
