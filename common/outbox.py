"""The transactional outbox: events are rows committed with the change that caused them.

``emit()`` adds the row to the current session. After the session commits, the relay
publishes the new rows (one Dramatiq message per subscriber, with publisher confirms) and
marks them published. Rows a crash or a broker outage left behind are re-published by
``sweep()``, which the scheduler runs. Rows are claimed with ``FOR UPDATE SKIP LOCKED``
so a relay and any number of sweepers never publish the same row at the same time.
Delivery is at least once; consumers dedupe on the event id.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

from dramatiq import Message
from flask import Flask, current_app
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from common.broker import get_broker
from common.db import db
from common.events import event_type
from common.logs import request_id_var
from common.models.mixins import OUTBOX_MODELS

log = logging.getLogger(__name__)
PENDING_KEY = "tts_outbox_pending"
RELAY_KEY = "tts_outbox_relay"
BATCH = 200
MARK_EVERY = 0.5  # seconds: how long published rows may wait to be marked as such


class PayloadError(ValueError):
    """An event's payload does not match its schema: a bug in the producer."""


def emit(name: str, payload: dict) -> uuid.UUID | None:
    """Record an event in the producer's outbox, in the caller's transaction.

    An event nobody subscribes to is validated and dropped: there is nothing to deliver.
    """
    if db.session().in_nested_transaction():
        # A savepoint could roll back the row while the event stayed queued for the relay.
        raise RuntimeError("events are emitted in a service's transaction, not a savepoint")
    kind = event_type(name)
    errors = kind.schema().validate(payload)
    if errors:
        raise PayloadError(f"{name}: {errors}")
    if not kind.subscribers:
        return None
    event_id = uuid.uuid4()
    request_id = request_id_var.get()
    db.session.add(
        OUTBOX_MODELS[kind.producer](id=event_id, name=name, payload=payload, request_id=request_id)
    )
    # The relay publishes from this copy after commit: no need to read the row back.
    body = _envelope(event_id, name, payload, request_id, datetime.now(UTC))
    db.session.info.setdefault(PENDING_KEY, []).append((kind.producer, body))
    return event_id


def _envelope(event_id, name, payload, request_id, occurred_at) -> dict:
    return {
        "id": str(event_id),
        "name": name,
        "payload": payload,
        "request_id": request_id,
        "occurred_at": occurred_at.isoformat() if occurred_at else None,
    }


def _send(envelopes: list[dict]) -> None:
    """One Dramatiq message per subscriber of each event, each confirmed by the broker."""
    broker = get_broker()
    for body in envelopes:
        for subscriber in event_type(body["name"]).subscribers:
            if not subscriber.wants(body["payload"]):
                continue
            broker.declare_queue(subscriber.queue)
            broker.enqueue(
                Message(
                    queue_name=subscriber.queue,
                    actor_name=subscriber.actor,
                    args=(body,),
                    kwargs={},
                    options={"event_id": body["id"], "request_id": body["request_id"]},
                )
            )


def _mark(bind: str, ids: list, published: bool) -> None:
    model = OUTBOX_MODELS[bind]
    values = {"attempts": model.attempts + 1}
    if published:
        values["published_at"] = datetime.now(UTC)
    # create_savepoint: when the bind is a connection already in a transaction (tests),
    # this must not end the caller's work; on an engine it changes nothing.
    with Session(db.engines[bind], join_transaction_mode="create_savepoint") as session:
        session.execute(
            update(model).where(model.id.in_(ids), model.published_at.is_(None)).values(**values)
        )
        session.commit()


def publish(bind: str, older_than: float = 0) -> int:
    """Publish the oldest unpublished rows of one service's outbox (the sweeper's pass).

    Rows are claimed with ``FOR UPDATE SKIP LOCKED``, so concurrent sweepers never send the
    same row at the same time. Returns how many events were published.
    """
    model = OUTBOX_MODELS[bind]
    query = select(model).where(model.published_at.is_(None))
    if older_than:
        # A row that failed to publish (attempts > 0) was given up by its relay: no need
        # to wait out the grace, so events held back by a broker outage leave as soon as
        # the broker answers again.
        cutoff = datetime.now(UTC) - timedelta(seconds=older_than)
        query = query.where(or_(model.created_at < cutoff, model.attempts > 0))
    query = query.order_by(model.created_at).limit(BATCH).with_for_update(skip_locked=True)
    with Session(db.engines[bind], join_transaction_mode="create_savepoint") as session:
        rows = session.scalars(query).all()
        if not rows:
            session.rollback()
            return 0
        ids = [row.id for row in rows]
        bodies = [
            _envelope(row.id, row.name, row.payload, row.request_id, row.created_at) for row in rows
        ]
        try:
            _send(bodies)
        except Exception:
            session.rollback()
            _mark(bind, ids, published=False)
            log.exception("outbox publish failed", extra={"bind": bind, "count": len(rows)})
            return 0
        session.execute(
            update(model)
            .where(model.id.in_(ids))
            .values(published_at=datetime.now(UTC), attempts=model.attempts + 1)
        )
        session.commit()
        return len(rows)


def sweep(binds: list[str], grace_seconds: float = 30.0) -> int:
    """Re-publish what the relay left behind: rows it failed to send at once, the others
    once older than ``grace_seconds`` (long enough that a relay merely running late under
    load is not raced into sending events twice)."""
    total = 0
    for bind in binds:
        if bind not in OUTBOX_MODELS:
            continue
        while True:
            published = publish(bind, older_than=grace_seconds)
            total += published
            if published < BATCH:
                break
    return total


class Relay:
    """Publishes each committed batch of events, in the background or right away.

    In the background (``thread``), the rows it published are marked in batches, every
    MARK_EVERY seconds at most, not in one more transaction per commit (which cost about
    a tenth of the CPU of a ticket's trip through the services). A process that dies
    before marking leaves rows the sweeper sends again after its grace period; consumers
    drop the duplicates by event id.
    """

    def __init__(self, app: Flask, mode: str):
        self.app = app
        self.mode = mode
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._unmarked: dict[str, list[uuid.UUID]] = {}  # the relay thread's alone
        self._marked_at = time.monotonic()

    def submit(self, pending: list[tuple[str, dict]]) -> None:
        if self.mode == "sync":
            for bind, ids in self._publish(pending).items():
                _mark(bind, ids, published=True)
            return
        self._ensure_thread()
        self._queue.put(pending)

    def _publish(self, pending: list[tuple[str, dict]]) -> dict[str, list[uuid.UUID]]:
        """Send the events; returns the ids sent, by bind (the failed ones are recorded)."""
        sent: dict[str, list[uuid.UUID]] = {}
        by_bind: dict[str, list[dict]] = {}
        for bind, body in pending:
            by_bind.setdefault(bind, []).append(body)
        for bind, bodies in by_bind.items():
            ids = [uuid.UUID(body["id"]) for body in bodies]
            try:
                _send(bodies)
            except Exception:
                # Left unpublished: the sweeper sends them once the broker answers again.
                log.exception("outbox relay could not publish", extra={"bind": bind})
                _mark(bind, ids, published=False)
                continue
            sent[bind] = ids
        return sent

    def _publish_in_background(self, pending: list[tuple[str, dict]]) -> None:
        for bind, ids in self._publish(pending).items():
            self._unmarked.setdefault(bind, []).extend(ids)

    def _mark_published(self) -> None:
        self._marked_at = time.monotonic()
        for bind, ids in self._unmarked.items():
            for start in range(0, len(ids), BATCH):
                try:
                    _mark(bind, ids[start : start + BATCH], published=True)
                except Exception:
                    # Sent but not marked: the sweeper sends them again, consumers dedupe.
                    log.exception("outbox relay could not mark events", extra={"bind": bind})
        # Emptied only now: join() waits until the marks are written, not just taken.
        self._unmarked = {}

    def _ensure_thread(self) -> None:
        # Started lazily: gunicorn forks after the app is made, and threads do not survive.
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="outbox-relay", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                # With rows waiting to be marked, wake up in time to mark them.
                pending = list(self._queue.get(timeout=MARK_EVERY if self._unmarked else None))
            except queue.Empty:
                self._in_context(self._mark_published)
                continue
            taken = 1
            # Drain what else is waiting so a burst of commits becomes one pass per bind.
            while len(pending) < BATCH:
                try:
                    pending.extend(self._queue.get_nowait())
                except queue.Empty:
                    break
                taken += 1
            try:
                self._in_context(self._publish_in_background, pending)
                if time.monotonic() - self._marked_at >= MARK_EVERY:
                    self._in_context(self._mark_published)
            finally:
                for _ in range(taken):
                    self._queue.task_done()

    def _in_context(self, work, *args) -> None:
        try:
            with self.app.app_context():
                work(*args)
        except Exception:
            log.exception("outbox relay pass failed; the sweeper will retry")

    def join(self, timeout: float = 5.0) -> None:
        """Wait until queued batches are published and marked (tests and CLI exits)."""
        deadline = time.monotonic() + timeout
        while (self._queue.unfinished_tasks or self._unmarked) and time.monotonic() < deadline:
            threading.Event().wait(0.01)


def init_relay(app: Flask, mode: str) -> Relay:
    relay = Relay(app, mode)
    app.extensions[RELAY_KEY] = relay
    return relay


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
