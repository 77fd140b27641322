"""In-app notifications. Functions flush; the actor or route commits."""

from __future__ import annotations

from sqlalchemy import func, select, update

from common.db import db, utcnow
from common.keyset import newest_first
from common.models.notify import Notification
from common.problems import NotFound
from notifier import inbox
from notifier.inbox import Draft


def notification_view(notification: Notification) -> dict:
    return {
        "id": notification.id,
        "type": notification.type,
        "subject": notification.subject,
        "body": notification.body,
        "data": notification.data,
        "created_at": notification.created_at.isoformat(),
        "read_at": notification.read_at.isoformat() if notification.read_at else None,
        "is_read": notification.read_at is not None,
    }


def notify(user_id: int, kind: str, subject: str, body: str, data: dict, source_event_id) -> None:
    """Add a notification once per causing event (see notifier/inbox.py)."""
    inbox.add([Draft(user_id, kind, subject, body, data, str(source_event_id))])


def unread_after(user_id: int, after: int, limit: int) -> list[Notification]:
    """The user's unread notifications newer than ``after``, oldest first."""
    return db.session.scalars(
        select(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.id > after,
            Notification.read_at.is_(None),
        )
        .order_by(Notification.id)
        .limit(limit)
    ).all()


def task_assigned(payload: dict, event_id) -> None:
    inbox.add(task_assigned_drafts(payload, event_id))


def task_assigned_drafts(payload: dict, event_id) -> list[Draft]:
    """The assignee hears of the task; at its first assignment, the requester hears that
    their ticket is being worked on (unless they are the assignee, who has this notice),
    and, when the assignment came of the ticket's approval, that it was approved (unless
    they approved it). Whoever made the move (an agent acting on their task, whom the
    next step picks again; a coordinator transferring to themselves) hears nothing."""
    label = _ticket_label(payload)
    drafts = [
        Draft(
            payload["assignee_id"],
            "task_assignment",
            f"New task: {label} {payload['ticket_subject']}",
            f"You were assigned {label} at step {payload['step']}.",
            {"task_id": payload["task_id"], **_ticket_ref(payload), "step": payload["step"]},
            str(event_id),
        )
    ]
    requester_id = payload.get("requester_id")
    if payload.get("first_assignment") and requester_id not in (None, payload["assignee_id"]):
        drafts.append(
            _requester_draft(
                requester_id,
                "approve_assign"
                if payload.get("on_approval") and _approved_by_another(payload)
                else "assign",
                "in_progress",
                _ticket_ref(payload),
                payload["ticket_subject"],
                None,
                f"{event_id}:requester",
            )
        )
    return _not_to_the_actor(drafts, payload)


def _not_to_the_actor(drafts: list[Draft], payload: dict) -> list[Draft]:
    """Nobody is told of their own move: the page they made it on shows it already."""
    actor_id = payload.get("actor_id")
    if actor_id is None:
        return drafts
    return [draft for draft in drafts if draft.user_id != actor_id]


def list_for(user_id: int, unread_only: bool, limit: int, before: int | None):
    query = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return newest_first(Notification.id, query, limit, before)


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )


def _ticket_ref(payload: dict) -> dict:
    """What a notice keeps of its ticket: the id, and the number its link carries."""
    return {
        "ticket_id": payload["ticket_id"],
        "ticket_number": payload.get("ticket_number") or payload.get("number"),
    }


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
        {"task_id": payload["task_id"], **_ticket_ref(payload)},
        event_id,
    )


def ticket_unrouted(payload: dict, event_id) -> None:
    """Every coordinator hears of a ticket no workflow matched (one row per person), and
    its requester that it was accepted and waits."""
    label = _ticket_label(payload)
    drafts = [
        Draft(
            user_id,
            "ticket_unrouted",
            f"Needs routing: {label} {payload['subject']}",
            f"No workflow matched {label}; route it from the unrouted list.",
            _ticket_ref(payload),
            f"{event_id}:{user_id}",
        )
        for user_id in payload["recipient_ids"]
    ]
    inbox.add(drafts + ticket_queued_drafts(payload, f"{event_id}:requester"))


def ticket_queued(payload: dict, event_id) -> None:
    inbox.add(ticket_queued_drafts(payload, event_id))


def ticket_queued_drafts(payload: dict, source) -> list[Draft]:
    """The requester hears that their ticket was accepted and waits for someone to take
    it (workflow.ticket_queued; workflow.ticket_unrouted), unless they approved it: their
    own move, and the ticket's page shows it open. ``source``: the notice's unique key."""
    if payload.get("requester_id") is None or not _approved_by_another(payload):
        return []
    return [
        _requester_draft(
            payload["requester_id"],
            "approve",
            "open",
            payload,
            payload["subject"],
            None,
            str(source),
        )
    ]


def _approved_by_another(payload: dict) -> bool:
    """Whether the approval an event of the workflow carries is news to its requester:
    someone else's move (as is one whose ``approved_by`` is unknown)."""
    return payload.get("approved_by") != payload.get("requester_id")


# What the requester is told when their ticket moves (their own moves excepted). The
# approval's news comes with what the workflow made of the ticket a moment later, in one
# notice: "approve_assign" with tasks.assigned (see task_assigned), "approve" with
# workflow.ticket_queued or workflow.ticket_unrouted (and with a tickets.status_changed
# "approve" still queued from a version that sent one); "assign" (a later first
# assignee, or after the requester's own approval) with tasks.assigned too; the others
# with tickets.status_changed.
REQUESTER_NEWS = {
    "approve": ("Ticket accepted: {label}", "Your ticket {label} was approved and is queued."),
    "approve_assign": (
        "Ticket accepted: {label}",
        "Your ticket {label} was approved, and someone is now working on it.",
    ),
    "reject": ("Ticket rejected: {label}", "Your ticket {label} was rejected: {reason}"),
    "assign": ("Being worked on: {label}", "Someone is now working on your ticket {label}."),
    "hold": ("On hold: {label}", "Your ticket {label} is on hold: {reason}"),
    "resume": ("Work resumed: {label}", "Work on your ticket {label} has resumed."),
    "resolve": ("Resolved: {label}", "Your ticket {label} was resolved. Reopen it if not."),
    "complete": ("Resolved: {label}", "Your ticket {label} was resolved. Reopen it if not."),
    "auto_close": ("Closed: {label}", "Your ticket {label} was closed after resolution."),
}


def ticket_status_changed(payload: dict, event_id) -> None:
    inbox.add(ticket_status_drafts(payload, event_id))


def ticket_status_drafts(payload: dict, event_id) -> list[Draft]:
    if payload["action"] not in REQUESTER_NEWS:
        return []
    draft = _requester_draft(
        payload["requester_id"],
        payload["action"],
        payload["to_status"],
        payload,
        payload["subject"],
        payload.get("reason"),
        str(event_id),
    )
    return _not_to_the_actor([draft], payload)


def _requester_draft(requester_id, action, to_status, ticket: dict, subject, reason, key) -> Draft:
    news = REQUESTER_NEWS[action]
    values = {
        "label": f"{_ticket_label(ticket)} {subject}",
        "reason": reason or "no reason given",
    }
    return Draft(
        requester_id,
        f"ticket_{to_status}",
        news[0].format(**values),
        news[1].format(**values),
        {**_ticket_ref(ticket), "status": to_status},
        key,
    )


def mark_read(user_id: int, notification_id: int) -> Notification:
    """The caller's own notification, marked read (404 for anyone else's)."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user_id:
        raise NotFound(f"Notification {notification_id} not found")
    if notification.read_at is None:
        notification.read_at = utcnow()
    return notification


def mark_all_read(user_id: int) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount


def mark_ticket_read(user_id: int, ticket_id: int) -> int:
    """The user's unread notifications about ``ticket_id`` marked read; how many."""
    result = db.session.execute(
        update(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.read_at.is_(None),
            Notification.data.contains({"ticket_id": ticket_id}),
        )
        .values(read_at=utcnow())
    )
    return result.rowcount
