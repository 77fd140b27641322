"""Adding notifications: the rows, the per-user order of their ids, and the live push.

One writer per user at a time: a user's notification ids then commit in order, so a
socket that reconnects with ?after=<last id seen> can never miss an earlier one. The
per-user advisory lock is taken before a row gets its id and held until the commit.
Several notifications (a batch of events) take their users' locks together, in user-id
order, so two batches can never wait for each other in a circle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import JSONB, insert

from common.db import db
from common.live.hub import MAX_INLINE_PAYLOAD, notify_many_in_transaction
from common.models.notify import Notification

LIVE_CHANNEL = "tts_notifications"
# The first key of the per-user advisory lock taken while adding notifications.
NOTIFICATION_LOCK = 0x7453_4E4F


@dataclass(frozen=True)
class Draft:
    """A notification to add once: ``source`` (the causing event) makes it unique."""

    user_id: int
    kind: str
    subject: str
    body: str
    data: dict
    source: str


# One notification, one round trip: the lock, then the row.
ADD_ONE = text(
    """
    WITH locked AS (SELECT pg_advisory_xact_lock(:lock, :user_id))
    INSERT INTO notifications (user_id, type, subject, body, data, source_event_id)
    SELECT :user_id, :type, :subject, :body, :data, :source_event_id FROM locked
    ON CONFLICT (source_event_id) DO NOTHING
    RETURNING id, created_at, source_event_id
    """
).bindparams(bindparam("data", type_=JSONB))
LOCK_USERS = text(
    """
    SELECT pg_advisory_xact_lock(:lock, user_id)
    FROM (SELECT DISTINCT unnest(CAST(:users AS integer[])) AS user_id ORDER BY 1) AS users
    """
)
ADD_MANY = (
    insert(Notification.__table__)
    .on_conflict_do_nothing(index_elements=["source_event_id"])
    .returning(
        Notification.__table__.c.id,
        Notification.__table__.c.created_at,
        Notification.__table__.c.source_event_id,
    )
)


def add(drafts: list[Draft]) -> None:
    """Add the drafts not added before (a redelivered event adds nothing), and push each
    new one to its user's open sockets when the transaction commits."""
    if not drafts:
        return
    mapper = {"mapper": Notification}
    if len(drafts) == 1:
        (draft,) = drafts
        rows = db.session.execute(
            ADD_ONE, {"lock": NOTIFICATION_LOCK, **_row(draft)}, bind_arguments=mapper
        ).all()
    else:
        users = sorted({draft.user_id for draft in drafts})
        db.session.execute(
            LOCK_USERS, {"lock": NOTIFICATION_LOCK, "users": users}, bind_arguments=mapper
        )
        # A list of parameters: one multi-row INSERT, and a statement SQLAlchemy caches.
        rows = db.session.execute(
            ADD_MANY, [_row(draft) for draft in drafts], bind_arguments=mapper
        ).all()
    added = {row.source_event_id: row for row in rows}
    notes = [
        {"key": draft.user_id, "notification": _view(draft, added[draft.source])}
        for draft in drafts
        if draft.source in added
    ]
    notify_many_in_transaction(Notification, LIVE_CHANNEL, notes)


def _row(draft: Draft) -> dict:
    return {
        "user_id": draft.user_id,
        "type": draft.kind,
        "subject": draft.subject[:200],
        "body": draft.body,
        "data": draft.data,
        "source_event_id": draft.source,
    }


def _view(draft: Draft, row) -> dict:
    """What a socket is sent: the notification as the API shows it, or (when that would
    not fit in a NOTIFY) its id and headline, for the socket to read the rest."""
    view = {
        "id": row.id,
        "type": draft.kind,
        "subject": draft.subject[:200],
        "body": draft.body,
        "data": draft.data,
        "created_at": row.created_at.isoformat(),
        "read_at": None,
        "is_read": False,
    }
    if len(json.dumps(view).encode()) > MAX_INLINE_PAYLOAD:
        view = {key: view[key] for key in ("id", "type", "subject", "created_at")}
    return view
