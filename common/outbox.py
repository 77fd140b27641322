"""The transactional outbox: events are rows committed with the change that caused them.

``emit()`` adds the row to the current session. After the session commits, the relay
(``common.outbox_relay``) publishes the new rows (one Dramatiq message per subscriber,
held by the broker before they count as sent: ``common.batch_publish``) and marks them
published. Rows a crash or a broker outage left behind are re-published by the
scheduler's sweep (``common.outbox_sending``). Delivery is at least once; consumers
dedupe on the event id.
"""

from __future__ import annotations

import functools
import uuid
from datetime import UTC, datetime

from flask import current_app
from marshmallow import Schema
from sqlalchemy import event
from sqlalchemy.orm import Session

from common.appends import append
from common.db import db
from common.events import EventType, event_type
from common.logs import request_id_var
from common.models.mixins import OUTBOX_MODELS
from common.outbox_relay import RELAY_KEY
from common.outbox_sending import envelope

PENDING_KEY = "tts_outbox_pending"


class PayloadError(ValueError):
    """An event's payload does not match its schema: a bug in the producer."""


def emit(name: str, payload: dict) -> uuid.UUID | None:
    """Record an event in the producer's outbox, in the caller's transaction.

    An event no subscriber wants (none at all, or each filters it out) is validated and
    dropped: there is nothing to deliver.
    """
    kind = event_type(name)
    errors = _schema(kind).validate(payload)
    if errors:
        raise PayloadError(f"{name}: {errors}")
    if not any(subscriber.wants(payload) for subscriber in kind.subscribers):
        return None  # no message would leave: no row to write, publish and mark
    event_id = uuid.uuid4()
    request_id = request_id_var.get()
    now = datetime.now(UTC)
    # An append-only row: a transaction's events go in one multi-row INSERT, with no
    # RETURNING (every column is given here) and no ORM bookkeeping. Appending refuses a
    # savepoint, which could roll back the row while the event stayed queued for the relay.
    append(
        OUTBOX_MODELS[kind.producer],
        id=event_id,
        name=name,
        payload=payload,
        request_id=request_id,
        created_at=now,
    )
    # The relay publishes from this copy after commit: no need to read the row back.
    body = envelope(event_id, name, payload, request_id, now)
    db.session.info.setdefault(PENDING_KEY, []).append((kind.producer, body))
    return event_id


@functools.cache
def _schema(kind: EventType) -> Schema:
    """One instance per event type: a marshmallow schema is stateless once built, and
    building one for every emit cost more than validating the payload."""
    return kind.schema()


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: its events wait for the real commit
    pending = session.info.pop(PENDING_KEY, None)
    if not pending:
        return
    relay = current_app.extensions.get(RELAY_KEY)
    if relay is None:
        return  # no relay in this process: the scheduler's sweep publishes them
    relay.submit(pending)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint rolled back: none of its own (see emit), the outer ones stand
    session.info.pop(PENDING_KEY, None)
