"""Rows locked, edited as plain objects and written back with SQLAlchemy Core.

For a hot path that locks some rows, moves a few of their fields with the same domain
code the ORM's objects go through (which only reads and sets attributes), and reads
nothing back. The ORM's unit of work tracked each such row as an object through its
flush, and with ``eager_defaults`` sent one ``UPDATE ... RETURNING`` per row to learn an
``updated_at`` nobody reads. Here the rows are read in one statement and their changes
written as one ``UPDATE`` per changed row, of the columns that changed (a column's
``onupdate`` still applies: Core writes it in), all in one round trip with the rows
appended before them (``common.appends``).

Set attributes to change them; a value changed in place (a dict's item) goes unseen. The
rows are not the session's objects: an ORM object of the same row, loaded earlier in the
transaction, does not see the change (and flushing a change of its own would write over
it). Only computed-free, undeferred columns are read: a ticket's search vector stays in
the database.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Insert, Select, Update, any_, bindparam, insert, select, update

from common import appends
from common.db import db
from common.prepared import array_parameter, prepared

_KEY = "_row_edits_key"  # the primary key's bind name in the UPDATE (no column has it)
_IDS = "_row_edits_ids"


class Editable:
    """A row's columns as attributes, and the values it was read with."""

    def __init__(self, values: dict):
        self.__dict__.update(values)
        self._read = values

    def changes(self) -> dict:
        """The columns set to another value than the one read."""
        return {
            name: getattr(self, name)
            for name, value in self._read.items()
            if getattr(self, name) != value
        }


@dataclass(frozen=True)
class _Statements:
    """A model's statements, built once. Building them on every call (a select of some
    thirty columns, its cache key, the mapper's deferred columns) cost more of the CPU of
    an approval than running them: SQLAlchemy memoizes a statement object's cache key,
    and finds its compiled form by that key."""

    key: str  # the primary key's name
    lock: Select
    update: Update  # sets the columns its parameters name
    # And reads back the columns the database sets on update, if the table has any.
    update_returning: Update | None
    insert: Insert  # a new row of the columns its parameters name, read back whole


@functools.cache
def _statements(model: type) -> _Statements:
    table = model.__table__
    (key,) = table.primary_key.columns
    # The columns the ORM itself loads: not computed (written by the database alone), not
    # deferred (large, and read only on demand).
    deferred = {prop.key for prop in model.__mapper__.column_attrs if prop.deferred}
    columns = [
        column for column in table.columns if column.computed is None and column.key not in deferred
    ]
    # Without values(): the statement sets the columns its parameters name (rendered per
    # set of names, common/rendered_sql) and writes the others' onupdate in.
    by_key = update(table).where(key == bindparam(_KEY))
    refreshed = [column for column in table.columns if column.onupdate is not None]
    return _Statements(
        key=key.name,
        # Prepared on the server (common/prepared), for any number of ids.
        lock=prepared(
            select(*columns)
            .where(key == any_(array_parameter(_IDS, key.type)))
            .order_by(key)
            .with_for_update()
        ),
        update=by_key,
        update_returning=by_key.returning(*refreshed) if refreshed else None,
        # The other columns take their defaults, Python's (Core applies them) or the
        # database's (the number from its sequence, the timestamps), and come back here.
        insert=insert(table).returning(*columns),
    )


def lock(model: type, ids: Iterable[int]) -> dict[int, Editable]:
    """The rows of ``model`` with those primary keys, locked in key order (as every caller
    locks them, so two transactions wait for each other rather than deadlock)."""
    statements = _statements(model)
    rows = db.session.execute(
        statements.lock, {_IDS: sorted(set(ids))}, bind_arguments={"mapper": model}
    ).mappings()
    return {row[statements.key]: Editable(dict(row)) for row in rows}


def insert_one(model: type, values: dict) -> Editable:
    """A new row of ``model`` with ``values``, as the database stored it (defaults and
    all): one INSERT ... RETURNING, in the session's transaction."""
    row = db.session.execute(
        _statements(model).insert, values, bind_arguments={"mapper": model}
    ).one()
    return Editable(dict(row._mapping))


def write(model: type, rows: Iterable[Editable]) -> None:
    """Write what changed in ``rows``: one UPDATE per changed row, all in one round trip
    with the rows appended before them (``common.appends``)."""
    statements = _statements(model)
    changed = [
        {**changes, _KEY: getattr(row, statements.key)}
        for row in rows
        if (changes := row.changes())
    ]
    if changed:
        appends.write_pending_then(
            db.session(),
            model,
            lambda renderer: [renderer.statement(statements.update, params) for params in changed],
        )


def write_one(model: type, row: Editable) -> None:
    """Write what changed in ``row`` and read back the columns the database set on update
    (``updated_at``), for a caller that shows the row afterwards."""
    changes = row.changes()
    if not changes:
        return
    statements = _statements(model)
    refreshing = statements.update_returning is not None
    params = {**changes, _KEY: getattr(row, statements.key)}
    result = appends.write_pending_then(
        db.session(),
        model,
        lambda renderer: [
            renderer.statement(
                statements.update_returning if refreshing else statements.update, params
            )
        ],
    )
    if refreshing:
        row.__dict__.update(result.one()._mapping)
