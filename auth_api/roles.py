"""Systems, their roles, and who holds them. Every change of a role or a holder is
published through the outbox (``roles.sync``, ``user_roles.sync``) with the row's version,
so replicas converge whatever the delivery order. Functions flush; the caller commits."""

from __future__ import annotations

from sqlalchemy import func, select

from auth_api import sessions
from common.db import db
from common.models.auth import Role, System, User, UserRole
from common.outbox import emit
from common.problems import Conflict, NotFound


def ensure_system(slug: str, name: str) -> System:
    system = db.session.scalar(select(System).where(System.slug == slug))
    if system is None:
        system = System(slug=slug, name=name)
        db.session.add(system)
        db.session.flush()
    return system


def get_system(slug: str) -> System:
    system = db.session.scalar(select(System).where(System.slug == slug))
    if system is None:
        raise NotFound(f"No system {slug!r}.")
    return system


def list_systems() -> list[System]:
    return list(db.session.scalars(select(System).order_by(System.slug)))


def create_system(slug: str, name: str) -> System:
    if db.session.scalar(select(System.id).where(System.slug == slug)):
        raise Conflict(f"System {slug!r} exists.")
    return ensure_system(slug, name)


def _emit_role(role: Role, deleted: bool = False) -> None:
    emit(
        "roles.sync",
        {
            "role_id": role.id,
            "system": role.system.slug,
            "name": role.name,
            "deleted": deleted,
            "version": role.version,
        },
    )


def ensure_role(system: System, name: str, description: str = "") -> Role:
    role = db.session.scalar(select(Role).where(Role.system_id == system.id, Role.name == name))
    if role is None:
        role = Role(system_id=system.id, name=name, description=description, version=1)
        db.session.add(role)
        db.session.flush()
        db.session.refresh(role)
        _emit_role(role)
    return role


def find_role(system: System, name: str) -> Role:
    role = db.session.scalar(select(Role).where(Role.system_id == system.id, Role.name == name))
    if role is None:
        raise NotFound(f"No role {name!r} in {system.slug}.")
    return role


def get_role(role_id: int) -> Role:
    role = db.session.get(Role, role_id)
    if role is None:
        raise NotFound("No such role.")
    return role


def list_roles(system: System) -> list[Role]:
    return list(
        db.session.scalars(select(Role).where(Role.system_id == system.id).order_by(Role.name))
    )


def create_role(system: System, name: str, description: str) -> Role:
    if db.session.scalar(select(Role.id).where(Role.system_id == system.id, Role.name == name)):
        raise Conflict(f"Role {name!r} exists in {system.slug}.")
    return ensure_role(system, name, description)


def update_role(role: Role, name: str | None, description: str | None) -> Role:
    if name is not None and name != role.name:
        taken = db.session.scalar(
            select(Role.id).where(Role.system_id == role.system_id, Role.name == name)
        )
        if taken:
            raise Conflict(f"Role {name!r} exists in {role.system.slug}.")
        role.name = name
        # Tokens name the roles they grant: the holders' tokens now name a role that is gone.
        for holder in db.session.scalars(
            select(User).join(UserRole).where(UserRole.role_id == role.id, UserRole.is_active)
        ):
            sessions.retire_access_tokens(holder)
    if description is not None:
        role.description = description
    role.version += 1
    db.session.flush()
    _emit_role(role)
    return role


def delete_role(role: Role) -> None:
    holders = db.session.scalar(
        select(func.count()).select_from(UserRole).where(UserRole.role_id == role.id)
    )
    if holders:
        raise Conflict("The role still has holders; revoke them first.")
    role.version += 1
    _emit_role(role, deleted=True)
    db.session.delete(role)
    db.session.flush()


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
            "role_id": grant.role.id,
            "is_active": grant.is_active and grant.user.is_active,
            "deployed": bool((grant.settings or {}).get("deployed", True)),
            "version": grant.version,
            "deleted": deleted,
        },
    )


def grant_role(user: User, role: Role, *, deployed: bool = True, settings=None) -> UserRole:
    """Give ``user`` the role (or reactivate the grant); a no-op when already active."""
    grant = db.session.scalar(
        select(UserRole).where(UserRole.user_id == user.id, UserRole.role_id == role.id)
    )
    if grant is not None and grant.is_active and settings is None:
        return grant
    wanted = {"deployed": deployed, **(settings or {})}
    roles_change = grant is None or not grant.is_active
    if grant is None:
        grant = UserRole(user=user, role=role, is_active=True, settings=wanted, version=1)
        db.session.add(grant)
    else:
        grant.is_active = True
        grant.settings = {**(grant.settings or {}), **wanted}
        grant.version += 1
    db.session.flush()
    emit_grant(grant)
    if roles_change:
        sessions.retire_access_tokens(user)
    return grant


def get_grant(grant_id: int) -> UserRole:
    grant = db.session.get(UserRole, grant_id)
    if grant is None:
        raise NotFound("No such role assignment.")
    return grant


def update_grant(grant: UserRole, is_active: bool | None, settings: dict | None) -> UserRole:
    roles_change = is_active is not None and is_active != grant.is_active
    if is_active is not None:
        grant.is_active = is_active
    if settings is not None:
        grant.settings = {**(grant.settings or {}), **settings}
    grant.version += 1
    db.session.flush()
    emit_grant(grant)
    if roles_change:
        sessions.retire_access_tokens(grant.user)
    return grant


def revoke_grant(grant: UserRole) -> UserRole:
    """Revoking keeps the row inactive (the replica keys holders by grant id)."""
    return update_grant(grant, False, None)


def list_grants(
    system: System,
    role_id: int | None = None,
    active: bool | None = None,
    user_id: int | None = None,
):
    query = (
        select(UserRole)
        .join(Role, UserRole.role_id == Role.id)
        .where(Role.system_id == system.id)
        .order_by(UserRole.id)
    )
    if role_id is not None:
        query = query.where(UserRole.role_id == role_id)
    if active is not None:
        query = query.where(UserRole.is_active.is_(active))
    if user_id is not None:
        query = query.where(UserRole.user_id == user_id)
    return list(db.session.scalars(query))


def sync_user_grants(user: User) -> None:
    """Re-publish every grant of ``user`` (their name, email or active flag changed)."""
    for grant in user.role_grants:
        grant.version += 1
        emit_grant(grant)
    db.session.flush()
