"""The per-user cap on open sockets, counted across every live process of a service.

Each open socket is a row in the service's ``live_sockets`` table, tagged with its
process's name. A process is alive while PostgreSQL lists its hub's LISTEN connection
(``application_name``) in ``pg_stat_activity``; rows of any other process are left over
from a crash, and are deleted the next time their user opens a socket. So the cap holds
across processes and restarts with no heartbeat and no sweeper. Opening takes a per-user
advisory lock for the count and the insert, so two sockets opened at once cannot both
take the last slot.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from common.db import db
from common.live.hub import LiveHub
from common.models.mixins import LIVE_SOCKET_MODELS
from common.problems import DomainError, Unavailable

log = logging.getLogger(__name__)
# The first key of the two-key advisory lock: "live sockets" (the second is the user).
LOCK_NAMESPACE = 0x7453_4C53


class TooManySockets(DomainError):
    status = 429
    title = "Too Many Requests"


# Its own statement: a statement's snapshot is taken before it runs, so a lock taken
# inside the counting statement would not make it see the slot its rival just committed.
_LOCK = text("SELECT pg_advisory_xact_lock(:namespace, :user_id)")
# Under the lock, one statement: forget the slots of processes PostgreSQL no longer lists,
# count the rest, and take a slot if one is free (no row comes back when none is).
_CLAIM = text(
    """
    WITH dead AS (
        DELETE FROM live_sockets
        WHERE user_id = :user_id AND process NOT IN (
            SELECT application_name FROM pg_stat_activity
            WHERE datname = current_database() AND application_name LIKE 'tts-live:%'
        )
        RETURNING id
    ),
    held AS (
        SELECT count(*) - (SELECT count(*) FROM dead) AS slots
        FROM live_sockets WHERE user_id = :user_id
    )
    INSERT INTO live_sockets (user_id, process)
    SELECT :user_id, :process FROM held WHERE slots < :cap
    RETURNING id
    """
)
_RELEASE = text("DELETE FROM live_sockets WHERE id = :id")


@contextmanager
def socket_slot(hub: LiveHub, user_id: int, cap: int) -> Iterator[int]:
    """Hold one of ``user_id``'s ``cap`` slots for as long as the block runs (the socket's
    life); raise ``TooManySockets`` (429) when they are all taken."""
    if LIVE_SOCKET_MODELS.get(hub.bind) is None:
        raise RuntimeError(f"{hub.bind} declares no LiveSocketMixin model")
    hub.ensure_listening()
    if not hub.listening:  # without its LISTEN connection this process could push nothing
        raise Unavailable("Live updates are reconnecting to the database; retry shortly.")
    engine = db.engines[hub.bind]
    with engine.begin() as connection:
        connection.execute(_LOCK, {"namespace": LOCK_NAMESPACE, "user_id": user_id})
        slot = connection.execute(
            _CLAIM, {"user_id": user_id, "process": hub.process_name, "cap": cap}
        ).scalar()
    if slot is None:
        raise TooManySockets(
            f"At most {cap} live connections per person; close a tab or window first.",
            limit=cap,
        )
    try:
        yield slot
    finally:
        try:
            with engine.begin() as connection:
                connection.execute(_RELEASE, {"id": slot})
        except Exception:  # the row is reclaimed once this process is gone
            log.exception("could not release a live socket slot", extra={"user_id": user_id})
