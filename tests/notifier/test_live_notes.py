"""The NOTIFY notifier/inbox.py sends with each notification it adds, in the same statement:
once per row added, in id order, carrying the notification as the API shows it."""

from __future__ import annotations

import json
import select as readiness
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import psycopg2
import pytest
from sqlalchemy import select, text

from common.db import db
from common.live.hub import MAX_INLINE_PAYLOAD
from common.models.auth import User
from common.models.notify import Notification
from notifier import inbox
from notifier.inbox import LIVE_CHANNEL, Draft
from notifier.service import notification_view


@pytest.fixture
def listener(app):
    """A connection LISTENing on the notifications' channel, as a live process's is."""
    with app.app_context():
        url = db.engines["notify"].url
    connection = psycopg2.connect(**url.translate_connect_args(username="user", database="dbname"))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f"LISTEN {LIVE_CHANNEL}")
    yield connection
    connection.close()


def _received(connection, wait: float) -> list[dict]:
    """The notes that arrive within ``wait`` seconds of the last one."""
    notes = []
    deadline = time.monotonic() + wait
    while (left := deadline - time.monotonic()) > 0:
        if readiness.select([connection], [], [], left)[0]:
            connection.poll()
            while connection.notifies:
                notes.append(json.loads(connection.notifies.pop(0).payload))
            deadline = time.monotonic() + wait
    return notes


def _users() -> tuple[int, int]:
    ids = dict(db.session.execute(select(User.email, User.id)).all())
    return ids["agent@example.com"], ids["employee@example.com"]


def _draft(user_id: int, subject: str, body: str = "Body") -> Draft:
    return Draft(
        user_id, "system", subject, body, {"n": 1, "note": "100% 'sure'"}, str(uuid.uuid4())
    )


@pytest.mark.usefixtures("committed")
def test_each_added_notification_is_pushed_once_in_id_order_as_the_api_shows_it(app, listener):
    with app.app_context():
        agent, employee = _users()
        drafts = [_draft(agent, "first"), _draft(employee, "second"), _draft(agent, "third")]
        inbox.add(drafts)
        db.session.commit()
        notes = _received(listener, 1.0)
        rows = db.session.scalars(
            select(Notification)
            .where(Notification.source_event_id.in_([d.source for d in drafts]))
            .order_by(Notification.id)
        ).all()
        assert [row.subject for row in rows] == ["first", "second", "third"]
        assert notes == [
            {"key": row.user_id, "notification": notification_view(row)} for row in rows
        ]

        inbox.add(drafts)  # redelivered: no row, no push
        db.session.commit()
        assert _received(listener, 0.5) == []

        # Partly redelivered, and a source twice in one go: only the new one, once.
        fresh = _draft(employee, "fourth")
        inbox.add([drafts[0], fresh, fresh])
        db.session.commit()
        (note,) = _received(listener, 1.0)
        row = db.session.scalars(
            select(Notification).where(Notification.source_event_id == fresh.source)
        ).one()
        assert note == {"key": employee, "notification": notification_view(row)}


@pytest.mark.usefixtures("committed")
@pytest.mark.parametrize(
    "large",
    [
        {"body": "x" * MAX_INLINE_PAYLOAD},
        # Small as Python writes it, 30 times 300 digits as PostgreSQL writes it: the size
        # that counts is what is sent.
        {"data": {"values": [1e300] * 30}},
    ],
)
def test_one_too_large_for_a_notify_goes_by_its_headline(app, listener, large):
    with app.app_context():
        agent, _ = _users()
        draft = replace(_draft(agent, "Large"), **large)
        inbox.add([draft])
        db.session.commit()
        (note,) = _received(listener, 1.0)
        row = db.session.scalars(
            select(Notification).where(Notification.source_event_id == draft.source)
        ).one()
        view = notification_view(row)
        assert note == {
            "key": agent,
            "notification": {k: view[k] for k in ("id", "type", "subject", "created_at")},
        }


@pytest.mark.parametrize(
    "zone", ["UTC", "America/New_York", "Asia/Kolkata", "America/St_Johns", "Australia/Lord_Howe"]
)
def test_created_at_is_written_as_python_writes_it(tx, zone):
    bind = {"mapper": Notification}
    db.session.execute(text(f"SET LOCAL TIME ZONE '{zone}'"), bind_arguments=bind)
    moments = [
        datetime(2026, 12, 7, 2, 10, 5, 272259, tzinfo=UTC),
        datetime(2026, 12, 7, 2, 10, 5, 270000, tzinfo=UTC),
        datetime(2026, 12, 7, 2, 10, 5, tzinfo=UTC),  # no microseconds: none written
        datetime(1999, 1, 2, 23, 59, 59, 1, tzinfo=timezone(timedelta(hours=-3))),
        datetime(2026, 7, 1, 12, 0, 0, 500000, tzinfo=UTC),  # summer time where there is one
    ]
    for moment in moments:
        stored, written = db.session.execute(
            text(f"SELECT CAST(:at AS timestamptz), {inbox.isoformat('CAST(:at AS timestamptz)')}"),
            {"at": moment},
            bind_arguments=bind,
        ).one()
        assert written == stored.isoformat()
