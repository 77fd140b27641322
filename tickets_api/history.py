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
    actor_id: int | None = None,
) -> None:
    """One row per changed field, or a single row for an action that changes none.
    Without a principal, ``actor_name`` (and ``actor_id``, for a person acting through
    another service) say who did it."""
    name = principal.name if principal else (actor_name or "System")
    actor_id = principal.id if principal else actor_id
    who = {"ticket_id": ticket_id, "actor_id": actor_id, "actor_name": name, "action": action}
    rows = [
        {**who, "field": field, "old_value": _jsonable(old), "new_value": _jsonable(new)}
        for field, (old, new) in (changes or {}).items()
    ] or [who]
    append_many(TicketHistory, rows)


# Bookkeeping no reader needs: the assignee's id (its name is kept beside it) and the
# row version. A step is how staff route the ticket: not its requester's concern.
HIDDEN = {"assignee_id", "version"}
STAFF_ONLY = {"current_step"}


def events(ticket, principal: Principal) -> list[dict]:
    """The ticket's story, one event per action (who, when, what changed, the reason or
    notes given), oldest first. Its requester reads what concerns them: how their ticket
    moves, not how staff route it."""
    requester_view = ticket.requester_id == principal.id and not principal.is_triager
    hidden = HIDDEN | STAFF_ONLY if requester_view else HIDDEN
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
    found = []
    for group in _by_action([created, *rows]):
        event = _event(group, hidden)
        if event["changes"] or event["reason"] or group[0].field is None:
            found.append(event)  # an action whose every change is hidden is not news
    return found


def _by_action(rows: list) -> list[list]:
    """Rows one ``record`` wrote (one transaction, one actor, one action) as one group; a
    field seen twice starts another (one batch may move a ticket twice)."""
    groups: list[list] = []
    for row in rows:
        last = groups[-1][0] if groups else None
        key = (row.at, row.actor_id, row.actor_name, row.action)
        same = last is not None and (last.at, last.actor_id, last.actor_name, last.action) == key
        if same and row.field not in {seen.field for seen in groups[-1]}:
            groups[-1].append(row)
        else:
            groups.append([row])
    return groups


def _event(group: list, hidden: set[str]) -> dict:
    first = group[0]
    reason = next((row.new_value for row in group if row.field == "reason"), None)
    return {
        "id": first.id,
        "at": first.at,
        "actor": {"id": first.actor_id, "name": first.actor_name},
        "action": first.action,
        "reason": reason,
        "changes": [
            {"field": row.field, "old_value": row.old_value, "new_value": row.new_value}
            for row in group
            if row.field is not None and row.field != "reason" and row.field not in hidden
        ],
    }
