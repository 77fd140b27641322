"""Ticket operations. Functions flush, record history and emit events; the caller commits."""

from __future__ import annotations

from datetime import timedelta

from marshmallow import ValidationError
from sqlalchemy import select

from common import row_edits
from common.batching import Delivery
from common.db import db, utcnow
from common.logs import caused_by, request_id_var
from common.models.tickets import Csat, Ticket
from common.outbox import emit
from common.problems import Conflict, Forbidden, NotFound, Unprocessable
from common.security import Principal
from tickets_api import access, catalogue, history, lifecycle
from tickets_api.details import validate_details

REQUESTER_EDITABLE = (
    "subject",
    "description",
    "category",
    "subcategory",
    "details",
    "scheduled_date",
)
TRIAGER_EDITABLE = (*REQUESTER_EDITABLE, "department", "priority")
FINAL_STATUSES = ("closed", "rejected", "withdrawn")
# Who is named in the history for moves no person made.
SYSTEM_ACTORS = {"assign": "Workflow", "complete": "Workflow", "auto_close": "System"}


class Invalid(Unprocessable):
    """Category-specific details that fail their schema (with the field map)."""


def _checked_details(category: str, subcategory: str | None, details: dict | None) -> dict:
    kind = catalogue.resolve(category, subcategory).details_kind
    try:
        return validate_details(kind, details)
    except ValidationError as error:
        raise Invalid("Invalid ticket details", errors=error.messages) from None


def create_ticket(principal: Principal, data: dict) -> row_edits.Editable:
    """A new ticket, inserted as a plain row (``common.row_edits``): the ORM's flush of
    one new object was 30 % of the CPU of creating a ticket, for one INSERT."""
    details = _checked_details(data["category"], data.get("subcategory"), data.get("details"))
    ticket = row_edits.insert_one(
        Ticket,
        {
            "subject": data["subject"],
            "description": data["description"],
            "category": data["category"],
            "subcategory": data.get("subcategory"),
            "department": data["department"],
            "details": details,
            "scheduled_date": data.get("scheduled_date"),
            "status": "new",
            "requester_id": principal.id,
            "requester_name": principal.name,
            "requester_email": principal.email,
        },
    )
    emit(
        "tickets.created",
        {
            "ticket_id": ticket.id,
            "number": ticket.number,
            "requester_id": ticket.requester_id,
            "subject": ticket.subject,
        },
    )
    return ticket


def get_visible(principal: Principal, ticket_id: int, *, for_update: bool = False) -> Ticket:
    """The ticket, or 404 when it does not exist or the caller may not see it."""
    query = select(Ticket).where(Ticket.id == ticket_id)
    if for_update:
        query = query.with_for_update()
    return _visible(principal, ticket_id, db.session.scalar(query))


def get_visible_by_number(principal: Principal, number: int) -> Ticket:
    """The ticket people know as ``#number`` (what the web UI's URLs carry), or 404."""
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None or not access.can_view(principal, ticket):
        raise NotFound(f"No ticket #{number} that you can see")
    return ticket


def _visible(principal: Principal, ticket_id: int, ticket):
    """``ticket`` (an object or a row), or 404 when it is missing or not the caller's to
    see: the same answer either way, so ids reveal nothing."""
    if ticket is None or not access.can_view(principal, ticket):
        raise NotFound(f"Ticket {ticket_id} not found")
    return ticket


def edit(principal: Principal, ticket: Ticket, changes: dict) -> Ticket:
    """Apply field edits (the row is locked and its ETag checked by the caller)."""
    if ticket.status in FINAL_STATUSES:
        raise Conflict(f"A {ticket.status} ticket can no longer be edited")
    if access.is_triager(principal):
        editable = TRIAGER_EDITABLE
    elif ticket.requester_id == principal.id and ticket.status == "new":
        editable = REQUESTER_EDITABLE
    else:
        raise Forbidden("You may not edit this ticket")
    refused = sorted(set(changes) - set(editable))
    if refused:
        raise Forbidden(f"You may not change: {', '.join(refused)}")
    if "priority" in changes and ticket.status == "new":
        raise Conflict("Priority is set when the ticket is approved")
    if changes.keys() & {"category", "subcategory", "details"}:
        category = changes.get("category", ticket.category)
        subcategory = changes.get(
            "subcategory", ticket.subcategory if "category" not in changes else None
        )
        details = changes.get("details", ticket.details)
        changes = {
            **changes,
            "category": category,
            "subcategory": subcategory,
            "details": _checked_details(category, subcategory, details),
        }
    diff = {
        field: (getattr(ticket, field), value)
        for field, value in changes.items()
        if getattr(ticket, field) != value
    }
    if not diff:
        return ticket
    for field, (_old, new) in diff.items():
        setattr(ticket, field, new)
    ticket.version += 1
    db.session.flush()
    history.record(ticket.id, principal, "edit", diff)
    return ticket


def act(principal: Principal, ticket_id: int, action: str, body: dict) -> row_edits.Editable:
    """A person's lifecycle action (approve, reject, withdraw, hold, resume, ...).

    The ticket is edited as a plain row (``common.row_edits``): one locked read, one
    UPDATE, and none of the ORM's bookkeeping on the API's busiest write.
    """
    ticket = _visible(principal, ticket_id, row_edits.lock(Ticket, [ticket_id]).get(ticket_id))
    old, new = lifecycle.apply(ticket, action, principal, body.get("reason"))
    changes = {"status": (old, new)}
    if action == "approve":
        changes["priority"] = (ticket.priority, body["priority"])
        ticket.priority = body["priority"]
        ticket.approved_by = principal.id
        if body.get("department") and body["department"] != ticket.department:
            changes["department"] = (ticket.department, body["department"])
            ticket.department = body["department"]
    if action == "hold":  # someone took the ticket up far enough to pause it
        work_started(ticket)
    _after_move(ticket, principal, action, changes, body.get("reason"))
    row_edits.write_one(Ticket, ticket)
    return ticket


def _after_move(ticket, principal, action, changes, reason=None, by=None) -> None:
    """Record a status move (and the fields that moved with it, and the reason or notes
    given) and tell other services. ``by``: ``(id, name)`` of whoever moved it through
    another service (the agent whose transition resolved it)."""
    ticket.version += 1
    # No flush here: the ticket's update, its history rows and the outbox rows go in the
    # one flush at the commit (a second flush cost a tenth of an approval's CPU).
    recorded = {**changes, "reason": (None, reason)} if reason else changes
    actor_id, actor_name = by if by else (None, SYSTEM_ACTORS.get(action))
    history.record(ticket.id, principal, action, recorded, actor_name=actor_name, actor_id=actor_id)
    old, new = changes["status"]
    emit(
        "tickets.status_changed",
        {
            "ticket_id": ticket.id,
            "number": ticket.number,
            "action": action,
            "from_status": old,
            "to_status": new,
            "reason": reason,
            "actor_id": principal.id if principal else None,
            "requester_id": ticket.requester_id,
            "assignee_id": ticket.assignee_id,
            "subject": ticket.subject,
        },
    )
    if action == "approve":
        emit(
            "tickets.opened",
            {
                "ticket_id": ticket.id,
                "number": ticket.number,
                "subject": ticket.subject,
                "category": ticket.category,
                "subcategory": ticket.subcategory,
                "department": ticket.department,
                "priority": ticket.priority,
                "requester_id": ticket.requester_id,
                "approved_by": principal.id,  # an approval is always a person's
            },
        )


def rate(principal: Principal, ticket_id: int, rating: int, comment: str) -> Csat:
    ticket = get_visible(principal, ticket_id, for_update=True)
    if ticket.requester_id != principal.id:
        raise Forbidden("Only the requester rates a ticket")
    if ticket.status not in ("resolved", "closed"):
        raise Conflict(
            f"Only a resolved or closed ticket can be rated; this one is {ticket.status}",
            current_status=ticket.status,
        )
    if db.session.get(Csat, ticket.id) is not None:
        raise Conflict("This ticket has already been rated")
    csat = Csat(ticket_id=ticket.id, rating=rating, comment=comment)
    db.session.add(csat)
    db.session.flush()
    history.record(ticket.id, principal, "rate", {"csat": (None, rating)})
    return csat


# --- moves caused by other services' events and by the scheduler -------------------------


def _locked(ticket_id: int) -> Ticket:
    ticket = db.session.scalar(select(Ticket).where(Ticket.id == ticket_id).with_for_update())
    if ticket is None:
        raise LookupError(f"ticket {ticket_id} does not exist")
    return ticket


def record_assignment(payload: dict) -> None:
    """workflow_api assigned the ticket: it is in progress with that assignee."""
    _record_assignments([(payload, request_id_var.get())])


def record_assignments(deliveries: list[Delivery]) -> None:
    """``record_assignment`` of each delivery, in order, with one read of the tickets."""
    _record_assignments([(d.payload, d.request_id) for d in deliveries])


def _record_assignments(assignments: list[tuple[dict, str | None]]) -> None:
    """Their tickets' rows are locked in id order, as every batch locks them, so two
    batches of one ticket set wait for each other rather than deadlock. They are edited
    as plain rows (``common.row_edits``): nothing reads them back, and the ORM's flush
    sent an UPDATE per ticket."""
    tickets = row_edits.lock(Ticket, (payload["ticket_id"] for payload, _ in assignments))
    for payload, request_id in assignments:
        ticket = tickets.get(payload["ticket_id"])
        if ticket is None:
            raise LookupError(f"ticket {payload['ticket_id']} does not exist")
        with caused_by(request_id):  # its events carry its request id
            _assign(ticket, payload)
    row_edits.write(Ticket, tickets.values())


def _assign(ticket: Ticket | row_edits.Editable, payload: dict) -> None:
    if ticket.status in FINAL_STATUSES:
        return  # it ended meanwhile; the workflow cancels its task on the same news
    changes = {}
    for field, value in (
        ("assignee_id", payload["assignee_id"]),
        ("assignee_name", payload["assignee_name"]),
        ("current_step", payload["step"]),
    ):
        if getattr(ticket, field) != value:
            changes[field] = (getattr(ticket, field), value)
            setattr(ticket, field, value)
    if payload.get("after_action"):
        work_started(ticket)
    if ticket.status == "open":
        changes["status"] = lifecycle.apply(ticket, "assign", None)
        _after_move(ticket, None, "assign", changes)
    elif changes:
        ticket.version += 1
        history.record(ticket.id, None, "assign", changes, actor_name="Workflow")
    _tell_if_someone_lost_sight(ticket, changes.get("assignee_id"))


def _tell_if_someone_lost_sight(ticket, assignee_change: tuple | None) -> None:
    """An assignee replaced no longer sees the ticket: chat_api drops what it cached of
    their access and closes their sockets. A first assignment only adds someone, which
    no cache of a positive answer can get wrong, so it costs no event."""
    if assignee_change is None or assignee_change[0] is None:
        return
    emit(
        "tickets.audience_changed",
        {"ticket_id": ticket.id, "version": ticket.version, "lost_user_id": assignee_change[0]},
    )


def record_completion(payload: dict) -> None:
    """workflow_api completed the ticket's task: the ticket is resolved."""
    ticket = _locked(payload["ticket_id"])
    if ticket.status not in lifecycle.TRANSITIONS["complete"].sources:
        return  # already resolved, closed or withdrawn: nothing to do
    by = (payload["by_id"], payload["by_name"]) if payload.get("by_name") else None
    _after_move(
        ticket,
        None,
        "complete",
        {"status": lifecycle.apply(ticket, "complete", None)},
        reason=payload.get("notes"),
        by=by,
    )


def work_started(ticket: Ticket | row_edits.Editable) -> None:
    """Someone worked on the ticket: from now on an in_progress ticket reads "In progress"
    rather than "Assigned". Help desks (Zammad, Freshdesk) tell a ticket merely given to
    an agent from one the agent has taken up; the status stays in_progress either way, so
    nothing that filters or moves by status changes."""
    if ticket.work_started_at is None:
        ticket.work_started_at = utcnow()


def record_first_response(payload: dict) -> None:
    """A message by anyone but the requester: work has started on the ticket. The first
    public one is also its first response, when the requester first heard back."""
    ticket = db.session.get(Ticket, payload["ticket_id"])
    if ticket is None or payload["author_id"] == ticket.requester_id:
        return
    work_started(ticket)
    if ticket.first_response_at is None and not payload.get("internal"):
        ticket.first_response_at = utcnow()


def auto_close(after: timedelta, batch: int = 500) -> int:
    """Close tickets resolved longer than ``after`` ago. Safe with several schedulers."""
    cutoff = utcnow() - after
    tickets = db.session.scalars(
        select(Ticket)
        .where(Ticket.status == "resolved", Ticket.resolved_at < cutoff)
        .order_by(Ticket.resolved_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    for ticket in tickets:
        _after_move(
            ticket, None, "auto_close", {"status": lifecycle.apply(ticket, "auto_close", None)}
        )
    return len(tickets)
