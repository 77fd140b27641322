"""The SQL a test's code sends to one database, as the driver is given it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from common.db import db

# Quotes, the driver's own placeholders, backslashes, an SQL comment and a statement
# separator, beyond ASCII: statements rendered as text on the client
# (common/rendered_sql.py) must deliver each as it was.
HOSTILE = "O'Brien's \\ 100% %s %(x)s \"q\" -- ; DROP TABLE outbox; ünïcødé 🚀 '' \\'"


@contextmanager
def sent_statements(model: type) -> Iterator[list[str]]:
    """Each statement sent to ``model``'s database inside the block (one per round trip)."""
    statements: list[str] = []
    engine = db.session.get_bind(mapper=model)

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
