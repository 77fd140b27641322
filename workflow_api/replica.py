"""The replica of auth_api's roles and role grants, kept exact by events.

Every event carries its source row's version; an older or equal version than the one held
is a duplicate or a late arrival and changes nothing. A holder is keyed by its grant id and
remembers its role id: its system and role name come from the newest role event when one
has arrived (a rename or a deletion reaches every holder), else from the grant event, so a
holder that arrives before its role is kept. Any delivery order of the same events, with any
duplicates, ends in the same rows.
"""

from __future__ import annotations

from sqlalchemy import and_, update
from sqlalchemy.dialects.postgresql import insert

from common.db import db
from common.models.workflow import ReplicaRole, RoleHolder


def apply_grant(payload: dict) -> None:
    grant_active = payload["is_active"] and not payload.get("deleted", False)
    values = {
        "grant_id": payload["grant_id"],
        "role_id": payload.get("role_id"),
        "system": payload["system"],
        "role": payload["role"],
        "user_id": payload["user_id"],
        "user_name": payload["user_name"],
        "user_email": payload["user_email"],
        "grant_active": grant_active,
        "is_active": grant_active,
        "deployed": payload["deployed"],
        "source_version": payload["version"],
    }
    # Rows replicated before holders were keyed by grant adopt their grant id.
    db.session.execute(
        update(RoleHolder)
        .where(
            RoleHolder.grant_id.is_(None),
            RoleHolder.system == values["system"],
            RoleHolder.role == values["role"],
            RoleHolder.user_id == values["user_id"],
        )
        .values(grant_id=values["grant_id"])
    )
    statement = insert(RoleHolder).values(**values)
    updatable = {k: statement.excluded[k] for k in values if k != "grant_id"}
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[RoleHolder.grant_id],
            set_=updatable,
            where=RoleHolder.source_version < statement.excluded.source_version,
        )
    )
    if values["role_id"] is not None:
        _follow_role(RoleHolder.grant_id == payload["grant_id"])


def apply_role(payload: dict) -> None:
    values = {
        "role_id": payload["role_id"],
        "system": payload["system"],
        "name": payload["name"],
        "deleted": payload.get("deleted", False),
        "source_version": payload.get("version", 0),
    }
    statement = insert(ReplicaRole).values(**values)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=[ReplicaRole.role_id],
            set_={k: statement.excluded[k] for k in values if k != "role_id"},
            where=ReplicaRole.source_version < statement.excluded.source_version,
        )
    )
    _follow_role(RoleHolder.role_id == payload["role_id"])


def _follow_role(which) -> None:
    """Give the chosen holders their role's current system and name from the replica."""
    db.session.execute(
        update(RoleHolder)
        .where(which, RoleHolder.role_id == ReplicaRole.role_id)
        .values(
            system=ReplicaRole.system,
            role=ReplicaRole.name,
            is_active=and_(RoleHolder.grant_active, ReplicaRole.deleted.is_(False)),
        )
        .execution_options(synchronize_session=False)
    )
