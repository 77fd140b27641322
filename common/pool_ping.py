"""Checking pooled connections before use, but only those that sat idle.

SQLAlchemy's ``pool_pre_ping`` pings on every checkout: one more round trip on every
transaction, which the event pipeline pays several times per ticket. A connection given
back a moment ago is alive as surely as a ping would say; the ones at risk are those that
sat idle long enough for a database restart or a firewall's idle timeout to cut them.
So only those are pinged. A failed ping raises ``DisconnectionError``, on which the pool
discards the connection and checks out a fresh one (SQLAlchemy's documented pattern for
custom pessimistic disconnect handling).
"""

from __future__ import annotations

import time

from sqlalchemy import event, exc
from sqlalchemy.pool import Pool

# A connection idle longer than this is pinged before it is handed out.
PING_AFTER_IDLE_SECONDS = 2.0
_RETURNED_AT = "tts_returned_at"


@event.listens_for(Pool, "connect")
def _note_connect(dbapi_connection, record) -> None:
    record.info[_RETURNED_AT] = time.monotonic()  # just made: no need to ping it


@event.listens_for(Pool, "checkin")
def _note_return(dbapi_connection, record) -> None:
    record.info[_RETURNED_AT] = time.monotonic()


@event.listens_for(Pool, "checkout")
def _ping_if_idle(dbapi_connection, record, proxy) -> None:
    returned_at = record.info.get(_RETURNED_AT)
    if returned_at is not None and time.monotonic() - returned_at < PING_AFTER_IDLE_SECONDS:
        return
    try:
        ping(dbapi_connection)
    except Exception as error:
        raise exc.DisconnectionError(f"pooled connection is dead: {error}") from error


def ping(dbapi_connection) -> None:
    """``SELECT 1`` outside any transaction (autocommit), as SQLAlchemy's own ping does."""
    was_autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        if not dbapi_connection.closed:
            dbapi_connection.autocommit = was_autocommit
