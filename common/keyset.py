"""Keyset paging: each page is the rows strictly after the last row of the page before.

Unlike OFFSET, rows inserted meanwhile neither repeat nor skip rows, and a deep page costs
what the first one does (the order's index seeks straight to the key). A page asks for one
row more than it shows: that row only says whether a next page exists.

Two kinds of cursor reach clients: a bare row id (``?before=<next_cursor>``, newest first)
and an opaque token (``?cursor=<next_cursor>``) that also carries a sort key and the sort
it belongs to. Clients pass either back unchanged; they never build one.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from common.db import db
from common.problems import Unprocessable


class BadCursor(Unprocessable):
    """A cursor this service did not hand out, or one from another sort."""


@dataclass(frozen=True)
class KeysetOrder:
    """Rows ordered by ``columns``, all in one direction; the last column is unique (the
    id), so it breaks ties and no two rows share a key."""

    columns: tuple[InstrumentedAttribute, ...]
    descending: bool = False

    def key_of(self, row) -> tuple:
        return tuple(getattr(row, column.key) for column in self.columns)

    def after(self, query: Select, key: Sequence) -> Select:
        """Only the rows that come strictly after ``key`` in this order."""
        if len(self.columns) == 1:
            left, right = self.columns[0], key[0]  # a plain comparison, as the index expects
        else:
            left, right = tuple_(*self.columns), tuple(key)
        return query.where(left < right if self.descending else left > right)

    def ordered(self, query: Select) -> Select:
        return query.order_by(
            *(column.desc() if self.descending else column.asc() for column in self.columns)
        )


def fetch_page(
    order: KeysetOrder, query: Select, limit: int, after: Sequence | None = None
) -> tuple[list, tuple | None]:
    """Up to ``limit`` rows of ``query`` after the key ``after``, and the key of the last
    row shown when another page follows (None on the last page)."""
    if after is not None:
        query = order.after(query, after)
    rows = db.session.scalars(order.ordered(query).limit(limit + 1)).all()
    next_key = order.key_of(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_key


def newest_first(id_column: InstrumentedAttribute, query: Select, limit: int, before: int | None):
    """Rows newest first by id, paged by ``before`` (the previous page's ``next_cursor``,
    a bare id); returns the rows and the id to pass as the next ``before``."""
    rows, next_key = fetch_page(
        KeysetOrder((id_column,), descending=True),
        query,
        limit,
        None if before is None else (before,),
    )
    return rows, None if next_key is None else next_key[0]


def encode_cursor(*parts: Any) -> str:
    """An opaque cursor: unpadded URL-safe base64 of the JSON list of ``parts``."""
    raw = json.dumps(list(parts)).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, parse: Callable[[list], tuple], detail: str) -> tuple:
    """The key in a cursor from :func:`encode_cursor`. ``parse`` turns the decoded parts
    into the key and raises ``ValueError`` or ``TypeError`` on anything it would not have
    written; every such cursor is a :class:`BadCursor` (422) with ``detail``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        parts = json.loads(raw)
        if not isinstance(parts, list):
            raise TypeError("a cursor is a list")
        return parse(parts)
    except (ValueError, TypeError):  # bad base64 and bad JSON are ValueErrors too
        raise BadCursor(detail) from None
