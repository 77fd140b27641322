"""Ticket operations. Functions flush and emit events; the route or actor commits."""

from __future__ import annotations

from sqlalchemy import select

from common.db import db, utcnow
from common.models.tickets import Ticket
from common.outbox import emit
from common.problems import Conflict, Forbidden, NotFound
from common.security import Principal
from tickets_api import access


def create_ticket(principal: Principal, data: dict) -> Ticket:
    ticket = Ticket(
        subject=data["subject"].strip(),
        description=data["description"],
        category=data["category"],
        subcategory=data.get("subcategory"),
        department=data["department"],
        status="new",
        requester_id=principal.id,
        requester_name=principal.name,
        requester_email=principal.email,
    )
    db.session.add(ticket)
    db.session.flush()
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
    ticket = db.session.scalar(query)
    if ticket is None or not access.can_view(principal, ticket):
        raise NotFound(f"Ticket {ticket_id} not found")
    return ticket


def approve(principal: Principal, ticket_id: int, priority: str, department: str | None) -> Ticket:
    ticket = get_visible(principal, ticket_id, for_update=True)
    if not access.is_triager(principal):
        raise Forbidden("Only a ticket coordinator or an admin may approve tickets")
    if ticket.status != "new":
        raise Conflict(
            f"Ticket is {ticket.status}; only a new ticket can be approved",
            current_status=ticket.status,
        )
    ticket.priority = priority
    if department:
        ticket.department = department
    ticket.status = "open"
    ticket.opened_at = utcnow()
    ticket.approved_by = principal.id
    db.session.flush()
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
        },
    )
    return ticket


def list_tickets(principal: Principal, status: str | None, limit: int, before: int | None):
    query = access.visible(principal, select(Ticket))
    if status:
        query = query.where(Ticket.status == status)
    if before:
        query = query.where(Ticket.id < before)
    rows = db.session.scalars(query.order_by(Ticket.id.desc()).limit(limit + 1)).all()
    next_cursor = rows[limit - 1].id if len(rows) > limit else None
    return rows[:limit], next_cursor


def record_assignment(payload: dict) -> None:
    """workflow_api assigned the ticket: it is now in progress with that assignee."""
    ticket = db.session.scalar(
        select(Ticket).where(Ticket.id == payload["ticket_id"]).with_for_update()
    )
    if ticket is None:
        raise LookupError(f"ticket {payload['ticket_id']} does not exist")
    ticket.assignee_id = payload["assignee_id"]
    ticket.assignee_name = payload["assignee_name"]
    ticket.current_step = payload["step"]
    if ticket.status in ("open", "in_progress"):
        ticket.status = "in_progress"
