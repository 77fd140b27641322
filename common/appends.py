"""Append-only rows, written with SQLAlchemy Core instead of the ORM's unit of work.

History lines, task events, SLA timers, assignments and outbox rows are inserted and never
changed by the transaction that adds them, and nothing in it needs their generated ids.
The ORM still tracked each as an object through its flush (identity map, state, one
``INSERT ... RETURNING id`` per table to learn ids nobody reads), which cost about a third
of the CPU of a ticket's trip through the services. ``append`` keeps them as plain rows
instead, and writes them as one multi-row ``INSERT`` per table, all of a database's in
one round trip (``common.rendered_sql``), which a row edit's UPDATE may join
(``write_pending_then``).

The rows are written at the same moments the ORM writes its pending objects, and right
after them (so a row may name an object added in the same transaction): before the
session runs its next statement (so a query later in the same transaction sees them, as
with autoflush; not inside ``no_autoflush``) and before it commits. A rollback drops them
with the rest of the transaction. A table's rows go in the order they were appended.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import CursorResult, event
from sqlalchemy.orm import ORMExecuteState, Session

from common.db import db
from common.rendered_sql import Renderer

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
    if session.info.get(PENDING_KEY):
        _send(session, _take_pending(session))


def write_pending_then(
    session: Session, model: type, statements: Callable[[Renderer], list[str]]
) -> CursorResult:
    """Insert the rows waiting in ``session``, then run ``statements`` on ``model``'s
    database, in one round trip there: what a statement would do, with the pending rows
    written first, as the session would write them before it. Returns the last
    statement's result. ``statements`` renders them (``common.rendered_sql``)."""
    pending = _take_pending(session) if session.info.get(PENDING_KEY) else {}
    connection = session.connection(bind_arguments={"mapper": model})
    mine = pending.pop(session.get_bind(mapper=model), [])
    _send(session, pending)
    with Renderer(connection) as renderer:
        sql = [_inserts(renderer, mine), *statements(renderer)]
    return _run(connection, [part for part in sql if part])


def _take_pending(session: Session) -> dict[object, list[tuple[type, tuple, list[dict]]]]:
    """The waiting rows, by database, taken out of the session: a statement the session
    runs meanwhile finds none left to write."""
    session.flush()  # the ORM's pending objects first: appended rows may refer to them
    by_bind: dict[object, list[tuple[type, tuple, list[dict]]]] = {}
    for group in session.info.pop(PENDING_KEY):
        by_bind.setdefault(session.get_bind(mapper=group[0]), []).append(group)
    return by_bind


def _send(session: Session, by_bind: dict) -> None:
    for groups in by_bind.values():
        # The session's connection to that database, in its transaction.
        connection = session.connection(bind_arguments={"mapper": groups[0][0]})
        with Renderer(connection) as renderer:
            _run(connection, [_inserts(renderer, groups)])


def _inserts(renderer: Renderer, groups: list[tuple[type, tuple, list[dict]]]) -> str:
    """One INSERT per run of a table's rows with the same columns, in append order."""
    return ";\n".join(
        renderer.insert_rows(model.__table__, columns, rows) for model, columns, rows in groups
    )


def _run(connection, sql: list[str]) -> CursorResult:
    # no_parameters: the text goes as it is (psycopg2 reads no placeholders in it, so a
    # value's percent sign stays one).
    return connection.exec_driver_sql(";\n".join(sql), execution_options={"no_parameters": True})


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
