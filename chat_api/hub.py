"""Fan-out of committed chat messages to the sockets of this process.

Each chat_api process keeps one PostgreSQL connection that LISTENs on the chat channel.
Whichever process commits a message, every process hears the NOTIFY and delivers the
message to its own subscribers of that ticket (internal notes to staff only). No extra
broker is involved, and a rolled-back message is never broadcast.
"""

from __future__ import annotations

import json
import logging
import select as io_select
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

from flask import Flask

from chat_api.service import CHANNEL, load_view
from common.db import db

log = logging.getLogger(__name__)
HUB_KEY = "tts_chat_hub"


@dataclass(eq=False)
class Subscriber:
    ws: object
    user_id: int
    staff: bool  # sees internal notes (staff working this ticket, not its requester)
    expires_at: float = float("inf")  # the token's exp: nothing is sent after it
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, frame: dict) -> None:
        data = json.dumps(frame)
        # The handler thread and the hub thread both send; frames must not interleave.
        with self.lock:
            self.ws.send(data)


class ChatHub:
    def __init__(self, app: Flask):
        self.app = app
        self._subscribers: dict[int, set[Subscriber]] = defaultdict(set)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._listening = threading.Event()
        self._stop = threading.Event()

    def subscribe(self, ticket_id: int, subscriber: Subscriber) -> None:
        self.ensure_listening()
        with self._lock:
            self._subscribers[ticket_id].add(subscriber)

    def unsubscribe(self, ticket_id: int, subscriber: Subscriber) -> None:
        with self._lock:
            subscribers = self._subscribers.get(ticket_id)
            if subscribers is not None:
                subscribers.discard(subscriber)
                if not subscribers:
                    del self._subscribers[ticket_id]

    def ensure_listening(self, timeout: float = 5.0) -> None:
        """Start the listener (lazily: gunicorn forks after app creation) and wait for it."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._listening.clear()
                self._thread = threading.Thread(target=self._run, name="chat-hub", daemon=True)
                self._thread.start()
        self._listening.wait(timeout)

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            try:
                self._listen()
                backoff = 0.5
            except Exception:
                log.exception("chat hub lost its database connection; reconnecting")
                self._listening.clear()
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 10)

    def _listen(self) -> None:
        with self.app.app_context():
            pooled = db.engines["chat"].raw_connection()
        connection = pooled.driver_connection
        pooled.detach()  # a LISTEN connection lives for the process, outside the pool
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"LISTEN {CHANNEL}")
            self._listening.set()
            while not self._stop.is_set():
                readable, _, _ = io_select.select([connection], [], [], 5.0)
                if not readable:
                    continue
                connection.poll()
                while connection.notifies:
                    self._dispatch(connection.notifies.pop(0).payload)
        finally:
            connection.close()

    def _dispatch(self, raw: str) -> None:
        note = json.loads(raw)
        ticket_id = note["ticket_id"]
        with self._lock:
            subscribers = list(self._subscribers.get(ticket_id, ()))
        if not subscribers:
            return
        message = note.get("message")
        if message is None:
            with self.app.app_context():
                message = load_view(note["id"])
                db.session.remove()
            if message is None:
                return
        frame = {"type": "message", "message": message}
        now = time.time()
        for subscriber in subscribers:
            if (note["internal"] and not subscriber.staff) or now >= subscriber.expires_at:
                continue
            try:
                subscriber.send(frame)
            except Exception:
                # A dead socket: its handler notices on receive and unsubscribes.
                log.info(
                    "dropping frame for a closed socket", extra={"user_id": subscriber.user_id}
                )


def hub_for(app: Flask) -> ChatHub:
    hub = app.extensions.get(HUB_KEY)
    if hub is None:
        hub = app.extensions[HUB_KEY] = ChatHub(app)
    return hub
