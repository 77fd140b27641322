"""Who may see and act on a ticket: the one place every read path asks.

get, list, search, history, attachment download and chat_api's access check (which calls
GET /api/tickets/<id> with the caller's token) all go through ``can_view``/``visible``.
"""

from __future__ import annotations

from sqlalchemy import Select, or_

from common.models.tickets import Ticket
from common.security import Principal


def is_admin(principal: Principal) -> bool:
    return principal.is_admin


def is_triager(principal: Principal) -> bool:
    return principal.is_triager


def can_view(principal: Principal, ticket: Ticket) -> bool:
    return (
        is_triager(principal)
        or ticket.requester_id == principal.id
        or ticket.assignee_id == principal.id
    )


def visible(principal: Principal, query: Select) -> Select:
    """Narrow a ticket query to what the caller may see (lists and search)."""
    if is_triager(principal):
        return query
    return query.where(or_(Ticket.requester_id == principal.id, Ticket.assignee_id == principal.id))
