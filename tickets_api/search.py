"""Listing and full-text search: filters, sort and keyset cursors.

A cursor is the sort key and id of the last row of a page; the next page is the rows
strictly after it in the same order, so rows inserted meanwhile neither repeat nor skip
rows, and a deep page costs what the first one does. Full-text search uses the stored
``search`` tsvector (GIN index) that PostgreSQL computes in the writing transaction.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, or_, select

from common import keyset
from common.ids import MAX_ID
from common.keyset import KeysetOrder
from common.models.tickets import Ticket
from common.security import Principal
from common.times import to_utc
from tickets_api.access import visible

# Each sort is a keyset order: its moment, then the id to break ties.
SORTS = {
    "-created_at": KeysetOrder((Ticket.created_at, Ticket.id), descending=True),
    "created_at": KeysetOrder((Ticket.created_at, Ticket.id)),
    "-updated_at": KeysetOrder((Ticket.updated_at, Ticket.id), descending=True),
    "updated_at": KeysetOrder((Ticket.updated_at, Ticket.id)),
}
TICKET_NUMBER = re.compile(r"^#?(\d{1,9})$")
CURSOR_DETAIL = "Invalid cursor: pass next_cursor back unchanged, with the same sort"


def encode_cursor(sort: str, key: tuple[datetime, int]) -> str:
    moment, ticket_id = key
    return keyset.encode_cursor(sort, moment.isoformat(), ticket_id)


def decode_cursor(sort: str, cursor: str) -> tuple[datetime, int]:
    def parse(parts: list) -> tuple[datetime, int]:
        cursor_sort, key, ticket_id = parts
        key = to_utc(datetime.fromisoformat(key))  # any offset, never none
        if cursor_sort != sort or type(ticket_id) is not int or not 0 < ticket_id <= MAX_ID:
            raise ValueError("cursor from another sort")
        return key, ticket_id

    return keyset.decode_cursor(cursor, parse, CURSOR_DETAIL)


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
    after = decode_cursor(sort, args["cursor"]) if args.get("cursor") else None
    rows, next_key = keyset.fetch_page(SORTS[sort], query, args["limit"], after)
    return rows, encode_cursor(sort, next_key) if next_key else None
