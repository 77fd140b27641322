"""Adding notifications: the rows, the per-user order of their ids, and the live push.

One writer per user at a time: a user's notification ids then commit in order, so a
socket that reconnects with ?after=<last id seen> can never miss an earlier one. The
per-user advisory lock is taken before a row gets its id and held until the commit.
Several notifications (a batch of events) take their users' locks together, in user-id
order, so two batches can never wait for each other in a circle.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from common.db import db
from common.json_codec import dumps_text
from common.live.hub import MAX_INLINE_PAYLOAD
from common.models.notify import Notification
from common.prepared import prepared

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


def isoformat(timestamp: str) -> str:
    """SQL for a timestamptz as Python's ``isoformat()`` writes it (microseconds only if
    there are any), in the session's time zone as psycopg2 reads it; a zone's offset in
    whole minutes, as every zone's is today. For ``text()``: its colons are escaped."""
    return f"""to_char({timestamp}, CASE
        WHEN date_part('microseconds', {timestamp})::bigint % 1000000 = 0
        THEN 'YYYY-MM-DD"T"HH24\\:MI\\:SSTZH\\:TZM'
        ELSE 'YYYY-MM-DD"T"HH24\\:MI\\:SS.USTZH\\:TZM' END)"""


# One statement for any number of drafts: the users' locks, the rows (a redelivered
# event's are dropped by their unique source), and a NOTIFY for each row added, in id
# order. The view each socket is sent is made here (``_view``) but for the two values
# only the INSERT knows, which PostgreSQL writes in, the created_at as Python's isoformat
# writes it (the API's form); a view too large for a NOTIFY, as PostgreSQL writes it, goes
# as its headline, for the socket to read the rest. One statement, not three: the NOTIFYs
# and the locks each cost a round trip and most of a statement's CPU, twice per ticket.
ADD = prepared(
    text(
        f"""
    WITH locked AS (
        SELECT pg_advisory_xact_lock(:lock, user_id)
        FROM (SELECT DISTINCT unnest(CAST(:users AS integer[])) AS user_id ORDER BY 1) AS u
    ),
    drafts AS (
        SELECT *
        FROM unnest(
            CAST(:user_ids AS integer[]), CAST(:kinds AS text[]), CAST(:subjects AS text[]),
            CAST(:bodies AS text[]), CAST(CAST(:datas AS text[]) AS jsonb[]),
            CAST(:sources AS text[]), CAST(CAST(:views AS text[]) AS jsonb[])
        ) WITH ORDINALITY AS d(user_id, type, subject, body, data, source, view, n)
    ),
    added AS (
        INSERT INTO notifications (user_id, type, subject, body, data, source_event_id)
        SELECT user_id, type, subject, body, data, source
        FROM drafts
        WHERE (SELECT count(*) FROM locked) >= 0  -- the locks first (an InitPlan)
        ORDER BY n
        ON CONFLICT (source_event_id) DO NOTHING
        RETURNING id, created_at, source_event_id
    )
    SELECT added.id, pg_notify(:channel, jsonb_build_object(
        'key', drafts.user_id,
        'notification', CASE
            WHEN octet_length(whole.view::text) <= :max_inline THEN whole.view
            ELSE whole.view - CAST(:beyond_headline AS text[])
        END
    )::text)
    FROM added
    JOIN drafts ON drafts.source = added.source_event_id
    CROSS JOIN LATERAL (
        SELECT drafts.view || jsonb_build_object(
            'id', added.id, 'created_at', {isoformat("added.created_at")}
        ) AS view
    ) AS whole
    ORDER BY added.id
    """
    )
)


def add(drafts: list[Draft]) -> None:
    """Add the drafts not added before (a redelivered event adds nothing), and push each
    new one to its user's open sockets when the transaction commits."""
    # One per source, the first: the INSERT would drop a second one's row anyway.
    sources: set[str] = set()
    drafts = [d for d in drafts if not (d.source in sources or sources.add(d.source))]
    if not drafts:
        return
    db.session.execute(
        ADD,
        {
            "lock": NOTIFICATION_LOCK,
            "channel": LIVE_CHANNEL,
            "users": sorted({draft.user_id for draft in drafts}),
            "user_ids": [draft.user_id for draft in drafts],
            "kinds": [draft.kind for draft in drafts],
            "subjects": [draft.subject[:200] for draft in drafts],
            "bodies": [draft.body for draft in drafts],
            "datas": [dumps_text(draft.data) for draft in drafts],
            "sources": [draft.source for draft in drafts],
            "views": [dumps_text(_view(draft)) for draft in drafts],
            "max_inline": MAX_INLINE_PAYLOAD,
            "beyond_headline": ["body", "data", "read_at", "is_read"],
        },
        bind_arguments={"mapper": Notification},
    ).all()


def _view(draft: Draft) -> dict:
    """The notification as the API shows it, but for its id and created_at."""
    return {
        "type": draft.kind,
        "subject": draft.subject[:200],
        "body": draft.body,
        "data": draft.data,
        "read_at": None,
        "is_read": False,
    }
