"""Listing and full-text search: filters, sort and keyset cursors.

A cursor is the sort key and id of the last row of a page; the next page is the rows
strictly after it in the same order, so rows inserted meanwhile neither repeat nor skip
rows, and a deep page costs what the first one does. Full-text search uses the stored
``search`` tsvector (GIN index) that PostgreSQL computes in the writing transaction.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime

from sqlalchemy import func, or_, select, tuple_

from common.db import db
from common.ids import MAX_ID
from common.models.tickets import Ticket
from common.problems import DomainError
from common.security import Principal
from common.times import to_utc
from tickets_api.access import visible

SORTS = {
    "-created_at": (Ticket.created_at, True),
    "created_at": (Ticket.created_at, False),
    "-updated_at": (Ticket.updated_at, True),
    "updated_at": (Ticket.updated_at, False),
}
TICKET_NUMBER = re.compile(r"^#?(\d{1,9})$")


class BadCursor(DomainError):
    status = 422
    title = "Unprocessable Entity"


def encode_cursor(sort: str, ticket: Ticket) -> str:
    column, _ = SORTS[sort]
    key = getattr(ticket, column.key)
    raw = json.dumps([sort, key.isoformat(), ticket.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(sort: str, cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, key, ticket_id = json.loads(raw)
        key = to_utc(datetime.fromisoformat(key))  # any offset, never none
        if cursor_sort != sort or type(ticket_id) is not int or not 0 < ticket_id <= MAX_ID:
            raise ValueError("cursor from another sort")
    except (ValueError, TypeError, json.JSONDecodeError):
        raise BadCursor(
            "Invalid cursor: pass next_cursor back unchanged, with the same sort"
        ) from None
    return key, ticket_id


def _me(value, principal: Principal):
    return principal.id if value == "me" else value


def search(principal: Principal, args: dict) -> tuple[list[Ticket], str | None]:
    query = visible(principal, select(Ticket))
    for name in ("status", "priority", "department", "category"):
        values = args.get(name)
        if values:
            query = query.where(getattr(Ticket, name).in_(values))
    if args.get("requester") is not None:
        query = query.where(Ticket.requester_id == _me(args["requester"], principal))
    if args.get("assignee") is not None:
        query = query.where(Ticket.assignee_id == _me(args["assignee"], principal))
    for name, column in (("created", Ticket.created_at), ("updated", Ticket.updated_at)):
        if args.get(f"{name}_from"):
            query = query.where(column >= args[f"{name}_from"])
        if args.get(f"{name}_to"):
            query = query.where(column < args[f"{name}_to"])
    text = (args.get("q") or "").strip()
    if text:
        matches = Ticket.search.bool_op("@@")(func.websearch_to_tsquery("english", text))
        number = TICKET_NUMBER.match(text)
        query = query.where(
            or_(matches, Ticket.number == int(number.group(1))) if number else matches
        )

    sort = args["sort"]
    column, descending = SORTS[sort]
    if args.get("cursor"):
        key, last_id = decode_cursor(sort, args["cursor"])
        after = tuple_(column, Ticket.id)
        query = query.where(after < (key, last_id) if descending else after > (key, last_id))
    order = (column.desc(), Ticket.id.desc()) if descending else (column.asc(), Ticket.id.asc())
    limit = args["limit"]
    rows = db.session.scalars(query.order_by(*order).limit(limit + 1)).all()
    next_cursor = encode_cursor(sort, rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor
