"""auth_api's tables (database ``tts_auth``): users, systems, roles and who holds them."""

from __future__ import annotations

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
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from common.db import db
from common.models.mixins import OutboxMixin

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


class AuthOutbox(OutboxMixin, db.Model):
    __bind_key__ = BIND
