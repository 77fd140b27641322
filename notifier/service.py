"""In-app notifications. Functions flush; the actor or route commits."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from common.db import db
from common.models.notify import Notification


def notify(user_id: int, kind: str, subject: str, body: str, data: dict, source_event_id) -> None:
    """Add a notification once per causing event (redelivery adds nothing)."""
    db.session.execute(
        insert(Notification)
        .values(
            user_id=user_id,
            type=kind,
            subject=subject[:200],
            body=body,
            data=data,
            source_event_id=str(source_event_id),
        )
        .on_conflict_do_nothing(index_elements=[Notification.source_event_id])
    )


def task_assigned(payload: dict, event_id) -> None:
    number = payload.get("ticket_number")
    label = f"#{number}" if number else f"ticket {payload['ticket_id']}"
    notify(
        payload["assignee_id"],
        "task_assignment",
        f"New task: {label} {payload['ticket_subject']}",
        f"You were assigned {label} at step {payload['step']}.",
        {"task_id": payload["task_id"], "ticket_id": payload["ticket_id"], "step": payload["step"]},
        event_id,
    )


def list_for(user_id: int, unread_only: bool, limit: int, before: int | None):
    query = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    if before:
        query = query.where(Notification.id < before)
    rows = db.session.scalars(query.order_by(Notification.id.desc()).limit(limit + 1)).all()
    next_cursor = rows[limit - 1].id if len(rows) > limit else None
    return rows[:limit], next_cursor


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )


def _ticket_label(payload: dict) -> str:
    number = payload.get("ticket_number") or payload.get("number")
    return f"#{number}" if number else f"ticket {payload['ticket_id']}"


def sla_event(payload: dict, event_id, breached: bool) -> None:
    if payload.get("assignee_id") is None:
        return
    label = _ticket_label(payload)
    if breached:
        subject = f"SLA breached: {label} {payload['ticket_subject']}"
        body = f"The {payload['step']} step of {label} is past its due time."
    else:
        subject = f"SLA warning: {label} {payload['ticket_subject']}"
        body = f"The {payload['step']} step of {label} is due at {payload.get('due_at')}."
    notify(
        payload["assignee_id"],
        "sla_breach" if breached else "sla_warning",
        subject,
        body,
        {"task_id": payload["task_id"], "ticket_id": payload["ticket_id"]},
        event_id,
    )


def ticket_unrouted(payload: dict, event_id) -> None:
    """Every coordinator hears of a ticket no workflow matched (one row per person)."""
    label = _ticket_label(payload)
    for user_id in payload["recipient_ids"]:
        notify(
            user_id,
            "ticket_unrouted",
            f"Needs routing: {label} {payload['subject']}",
            f"No workflow matched {label}; route it from the unrouted list.",
            {"ticket_id": payload["ticket_id"]},
            f"{event_id}:{user_id}",
        )
