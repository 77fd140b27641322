"""The audit trail of a ticket: every change, who made it, when, old → new."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from common.appends import append_many
from common.db import db
from common.models.tickets import TicketHistory
from common.security import Principal

SYSTEM_NAMES = {"workflow": "Workflow", "system": "System"}


def _jsonable(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def record(
    ticket_id: int,
    principal: Principal | None,
    action: str,
    changes: dict[str, tuple] | None = None,
    actor_name: str | None = None,
) -> None:
    """One row per changed field, or a single row for an action that changes none."""
    name = principal.name if principal else (actor_name or "System")
    actor_id = principal.id if principal else None
    who = {"ticket_id": ticket_id, "actor_id": actor_id, "actor_name": name, "action": action}
    rows = [
        {**who, "field": field, "old_value": _jsonable(old), "new_value": _jsonable(new)}
        for field, (old, new) in (changes or {}).items()
    ] or [who]
    append_many(TicketHistory, rows)


def entries(ticket) -> list:
    """The recorded changes, after the ticket's creation (read from the ticket itself)."""
    created = TicketHistory(
        id=0,
        ticket_id=ticket.id,
        at=ticket.created_at,
        actor_id=ticket.requester_id,
        actor_name=ticket.requester_name,
        action="create",
    )
    rows = db.session.scalars(
        select(TicketHistory).where(TicketHistory.ticket_id == ticket.id).order_by(TicketHistory.id)
    ).all()
    return [created, *rows]
