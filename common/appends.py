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


def append_many(model: type, rows: Iterable[dict], ahead: bool = False) -> None:
    """``append`` of each row, in order. ``ahead``: written before every row waiting, for
    rows that those name but that were complete only after them (a new task, whose
    events and timers were appended while it was being started)."""
    session = db.session()
    if session.in_nested_transaction():
        # A row buffered in a savepoint would outlive its rollback: not supported.
        raise RuntimeError("append-only rows are added in a service's transaction")
    if not session.in_transaction():
        session.begin()  # as the first statement would: its end, however it ends, drops them
    waiting: list[tuple[type, tuple, list[dict]]] = session.info.setdefault(PENDING_KEY, [])
    pending = [] if ahead else waiting
    for row in rows:
        columns = tuple(sorted(row))
        # One multi-row INSERT per run of rows with the same columns (each names every
        # column it gives). A table's rows keep their order (so their ids too); different
        # tables' rows may interleave.
        last = next((group for group in reversed(pending) if group[0] is model), None)
        if last is not None and last[1] == columns:
            last[2].append(row)
        else:
            pending.append((model, columns, [row]))
    if ahead:
        waiting[:0] = pending


def write_pending(session: Session) -> None:
    """Insert the rows waiting in ``session`` now (a no-op when none wait)."""
    if session.info.get(PENDING_KEY):
        session.flush()  # the ORM's pending objects first: appended rows may refer to them
        for connection, sql in _rendered(session).values():
            _run(connection, [sql])


def write_pending_then(
    session: Session, model: type, statements: Callable[[Renderer], list[str]]
) -> CursorResult:
    """Run ``statements`` (rendered by ``common.rendered_sql``) on ``model``'s database, as
    ``session.execute`` would run a statement, and return the last one's result.

    As a statement would, it first flushes the session and writes the rows waiting,
    unless autoflush is off: those for ``model``'s database go in the same round trip,
    ahead of the statements."""
    rendered = {}
    if session.autoflush:
        session.flush()
        if session.info.get(PENDING_KEY):
            rendered = _rendered(session)
    bind = session.get_bind(mapper=model)
    for other, (connection, sql) in rendered.items():
        if other is not bind:
            _run(connection, [sql])
    connection = session.connection(bind_arguments={"mapper": model})
    with Renderer(connection) as renderer:
        sql = statements(renderer)
    if bind in rendered:
        sql = [rendered[bind][1], *sql]
    return _run(connection, sql)


def _rendered(session: Session) -> dict[object, tuple[object, str]]:
    """The waiting rows as INSERT text, with the connection to send it on, by database.
    The rows leave the session only once all are rendered: one that cannot be (a value
    the driver cannot adapt) leaves them waiting, to fail their transaction rather than
    vanish from it. Taken out before they are sent, so a statement the session runs
    meanwhile finds none to write."""
    by_bind: dict[object, list[tuple[type, tuple, list[dict]]]] = {}
    for group in session.info[PENDING_KEY]:
        by_bind.setdefault(session.get_bind(mapper=group[0]), []).append(group)
    rendered = {}
    for bind, groups in by_bind.items():
        # The session's connection to that database, in its transaction.
        connection = session.connection(bind_arguments={"mapper": groups[0][0]})
        with Renderer(connection) as renderer:
            # One INSERT per run of a table's rows with the same columns, in append order.
            sql = ";\n".join(
                renderer.insert_rows(model.__table__, columns, rows)
                for model, columns, rows in groups
            )
        rendered[bind] = (connection, sql)
    session.info.pop(PENDING_KEY)
    return rendered


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
