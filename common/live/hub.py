"""Live fan-out from committed rows to the WebSockets of this process.

Each process keeps one PostgreSQL connection per channel that LISTENs. A service queues a
NOTIFY in the transaction that writes the row (``notify_in_transaction``, or ``pg_notify``
in the very statement that writes it, as notifier/inbox.py does); PostgreSQL delivers the
NOTIFY to every listening process only when (and if) that transaction commits, and each
process hands the note to its own subscribers of the note's key (a ticket, a user). No
extra broker is involved, and nothing rolled back is ever broadcast.
"""

from __future__ import annotations

import json
import logging
import os
import selectors
import socket
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable

from flask import Flask
from sqlalchemy import text

from common.db import db
from common.live.frames import SESSION_ENDED, TRY_AGAIN, Outgoing, encode
from common.live.subscriber import Subscriber
from common.logs import service_var

log = logging.getLogger(__name__)
# NOTIFY payloads are capped at 8000 bytes; larger notes travel by id and are re-read.
MAX_INLINE_PAYLOAD = 7000


_NOTIFY_ONE = text("SELECT pg_notify(:channel, :payload)")


def notify_in_transaction(mapper, channel: str, note: dict) -> None:
    """Queue a NOTIFY in the current transaction of ``mapper``'s database."""
    db.session.execute(
        _NOTIFY_ONE,
        {"channel": channel, "payload": json.dumps(note, default=str)},
        bind_arguments={"mapper": mapper},
    )


class LiveHub:
    """Subscribers by key, fed by one LISTEN connection on ``channel`` of ``bind``.

    ``dispatch(note, subscribers)`` turns a note into frames for the key's subscribers.
    """

    def __init__(self, app: Flask, bind: str, channel: str, dispatch: Callable):
        self.app = app
        self.bind = bind
        self.channel = channel
        self.dispatch = dispatch
        # The LISTEN connection carries this as its application_name: while PostgreSQL
        # lists it, this process is alive and its sockets count (common/live/registry.py).
        self.process_name = process_name()
        self._subscribers: dict[object, set[Subscriber]] = defaultdict(set)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._listening = threading.Event()
        self._stop = threading.Event()

    def subscribe(self, key, subscriber: Subscriber) -> None:
        self.ensure_listening()
        with self._lock:
            self._subscribers[key].add(subscriber)

    def unsubscribe(self, key, subscriber: Subscriber) -> None:
        with self._lock:
            subscribers = self._subscribers.get(key)
            if subscribers is not None:
                subscribers.discard(subscriber)
                if not subscribers:
                    del self._subscribers[key]

    def ensure_listening(self, timeout: float = 5.0) -> None:
        """Start the listener (lazily: gunicorn forks after app creation) and wait for it."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._listening.clear()
                self._thread = threading.Thread(
                    target=self._run, name=f"hub-{self.channel}", daemon=True
                )
                self._thread.start()
        self._listening.wait(timeout)

    @property
    def listening(self) -> bool:
        return self._listening.is_set()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            try:
                self._listen()
                backoff = 0.5
            except Exception:
                if self._stop.is_set():
                    # Shutting down: the database may go before this thread sees the
                    # flag (the dev server stops its embedded one). Nothing was lost.
                    log.info("live hub on %s stopped", self.channel)
                    return
                log.exception("live hub lost its database connection; reconnecting")
                self._listening.clear()
                # Whatever was committed while no one listened never reaches this
                # process: its sockets reconnect with ?after= and are sent it then.
                self._close_all(TRY_AGAIN, "Live updates were interrupted: reconnect")
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 10)

    def _listen(self) -> None:
        with self.app.app_context():
            pooled = db.engines[self.bind].raw_connection()
        connection = pooled.driver_connection
        pooled.detach()  # a LISTEN connection lives for the process, outside the pool
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('application_name', %s, false)", (self.process_name,)
                )
                cursor.execute(f"LISTEN {self.channel}")
            self._listening.set()
            # A selector, not select(): a process holding a thousand sockets may give this
            # connection a descriptor above select()'s limit of 1024.
            with selectors.DefaultSelector() as selector:
                selector.register(connection, selectors.EVENT_READ)
                while not self._stop.is_set():
                    if not selector.select(5.0):
                        # Quiet, or a link that died without a word: a query tells which.
                        with connection.cursor() as cursor:
                            cursor.execute("SELECT 1")
                        continue
                    connection.poll()
                    while connection.notifies:
                        self._deliver_safely(connection.notifies.pop(0).payload)
        finally:
            connection.close()

    def _deliver_safely(self, payload: str) -> None:
        """One note's failure (a read-back that failed) is that note's alone: the
        connection and the notes after it stay, and the note's subscribers reconnect with
        ?after= to be sent it."""
        note = json.loads(payload)
        try:
            self._deliver(note)
        except Exception:
            log.exception("live hub could not deliver a note", extra={"channel": self.channel})
            with self._lock:
                missed = list(self._subscribers.get(note.get("key"), ()))
            for subscriber in missed:
                subscriber.close(TRY_AGAIN, "A live update was lost: reconnect")

    def _close_all(self, code: int, reason: str) -> None:
        with self._lock:
            everyone = [s for subscribers in self._subscribers.values() for s in subscribers]
        for subscriber in everyone:
            subscriber.close(code, reason)

    def _deliver(self, note: dict) -> None:
        with self._lock:
            subscribers = list(self._subscribers.get(note["key"], ()))
        live = self._still_in_session(subscribers) if subscribers else []
        if live:
            self.dispatch(self.app, note, live)

    def _still_in_session(self, subscribers: list[Subscriber]) -> list[Subscriber]:
        """The subscribers whose session holds. The others' sockets are closed now, not at
        their handler's next re-check: a revoked token receives nothing more (within the
        revocation event's delivery and the revocation cache's few seconds)."""
        now = time.time()
        try:
            with self.app.app_context():
                service = service_var.set(self.bind)
                try:
                    ended = {s for s in subscribers if s.session_ended(now)}
                finally:
                    service_var.reset(service)
                    db.session.remove()
        except Exception:
            # The revocation copy could not be read (a database blip): deliver on the
            # expiry check alone, as each socket's own re-check does, and keep listening.
            log.exception("live hub could not check revocations")
            ended = {s for s in subscribers if now >= s.expires_at}
        for subscriber in ended:
            # Logged out, deactivated, or roles changed: a refreshed token may reconnect.
            subscriber.close(SESSION_ENDED, "Token no longer valid")
        return [s for s in subscribers if s not in ended]


def send_all(subscribers, frame: dict, seq: int | None = None, allowed=lambda s: True) -> None:
    """Offer ``frame`` (encoded once) to each allowed subscriber; never blocks. The hub has
    already closed those whose session ended."""
    outgoing: Outgoing = encode(frame, seq)
    for subscriber in subscribers:
        if allowed(subscriber):
            subscriber.offer(outgoing)


def process_name() -> str:
    """``tts-live:<host>:<pid>:<random>``, unique per process start, within PostgreSQL's
    63-byte application_name."""
    return f"tts-live:{socket.gethostname()[:24]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def stop_hubs(app: Flask) -> None:
    """Stop every hub of ``app``, before its database goes away (a process shutting down)."""
    for extension in list(app.extensions.values()):
        if isinstance(extension, LiveHub):
            extension.stop()


def hub_for(app: Flask, name: str, factory: Callable[[Flask], LiveHub]) -> LiveHub:
    key = f"tts_live_hub_{name}"
    hub = app.extensions.get(key)
    if hub is None:
        hub = app.extensions[key] = factory(app)
    return hub
