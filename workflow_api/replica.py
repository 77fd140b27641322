"""The replica of auth_api's role grants: who holds which role, kept exact by events.

Updates carry auth_api's grant version; an older or equal version than the one held is a
duplicate or a late arrival and changes nothing, so any delivery order converges.
"""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert

from common.db import db
from common.models.workflow import RoleHolder


def apply_grant(payload: dict) -> None:
    values = {
        "system": payload["system"],
        "role": payload["role"],
        "user_id": payload["user_id"],
        "user_name": payload["user_name"],
        "user_email": payload["user_email"],
        "is_active": payload["is_active"] and not payload.get("deleted", False),
        "deployed": payload["deployed"],
        "source_version": payload["version"],
    }
    statement = insert(RoleHolder).values(**values)
    updatable = {k: statement.excluded[k] for k in values if k not in ("system", "role", "user_id")}
    db.session.execute(
        statement.on_conflict_do_update(
            constraint="uq_role_holders_system_role_user",
            set_=updatable,
            where=RoleHolder.source_version < statement.excluded.source_version,
        )
    )
