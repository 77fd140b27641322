"""Append-only rows, written with SQLAlchemy Core instead of the ORM's unit of work.

History lines, task events, SLA timers, assignments and outbox rows are inserted and never
changed by the transaction that adds them, and nothing in it needs their generated ids.
The ORM still tracked each as an object through its flush (identity map, state, one
``INSERT ... RETURNING id`` per table to learn ids nobody reads), which cost about a third
of the CPU of a ticket's trip through the services. ``append`` keeps them as plain rows
instead, and writes them as one multi-row ``INSERT`` per table, all of a database's in
one round trip (``common.rendered_inserts``).

The rows are written at the same moments the ORM writes its pending objects, and right
after them (so a row may name an object added in the same transaction): before the
session runs its next statement (so a query later in the same transaction sees them, as
with autoflush; not inside ``no_autoflush``) and before it commits. A rollback drops them
with the rest of the transaction. A table's rows go in the order they were appended.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from common import rendered_inserts
from common.db import db

PENDING_KEY = "tts_appended_rows"


def append(model: type, **values) -> None:
    """Add one row of ``model`` to the current transaction (written before its next
    statement or its commit)."""
    append_many(model, [values])


def append_many(model: type, rows: Iterable[dict]) -> None:
    session = db.session()
    if session.in_nested_transaction():
        # A row buffered in a savepoint would outlive its rollback: not supported.
        raise RuntimeError("append-only rows are added in a service's transaction")
    if not session.in_transaction():
        session.begin()  # as the first statement would: its end, however it ends, drops them
    pending: list[tuple[type, tuple, list[dict]]] = session.info.setdefault(PENDING_KEY, [])
    for row in rows:
        columns = tuple(sorted(row))
        # One executemany per run of rows with the same columns (Core compiles a statement
        # for the first row's columns and requires them of every other). A table's rows
        # keep their order (so their ids too); different tables' rows may interleave.
        last = next((group for group in reversed(pending) if group[0] is model), None)
        if last is not None and last[1] == columns:
            last[2].append(row)
        else:
            pending.append((model, columns, [row]))


def write_pending(session: Session) -> None:
    """Insert the rows waiting in ``session`` now (a no-op when none wait)."""
    if not session.info.get(PENDING_KEY):
        return
    session.flush()  # the ORM's pending objects first: appended rows may refer to them
    # Popped before they are sent: a statement the session runs meanwhile finds none left.
    pending = session.info.pop(PENDING_KEY)
    by_bind: dict[object, list[tuple[type, tuple, list[dict]]]] = {}
    for group in pending:
        by_bind.setdefault(session.get_bind(mapper=group[0]), []).append(group)
    for groups in by_bind.values():
        # The session's connection to that database, in its transaction.
        connection = session.connection(bind_arguments={"mapper": groups[0][0]})
        cursor = connection.connection.driver_connection.cursor()
        try:
            sql = ";\n".join(
                rendered_inserts.render(cursor, model.__table__, columns, rows, connection.dialect)
                for model, columns, rows in groups
            )
        finally:
            cursor.close()
        # no_parameters: the text goes as it is (psycopg2 reads no placeholders in it, so
        # a value's percent sign stays one).
        connection.exec_driver_sql(sql, execution_options={"no_parameters": True})


@event.listens_for(Session, "do_orm_execute")
def _before_statement(state: ORMExecuteState) -> None:
    if state.session.autoflush:
        write_pending(state.session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    write_pending(session)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction) -> None:
    # A commit wrote them all (before_commit); a rollback, or a close with no statement
    # run, ends the transaction they belonged to: they must not leak into the next one.
    if transaction.parent is None:
        session.info.pop(PENDING_KEY, None)
