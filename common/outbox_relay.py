"""The outbox relay: publishes each committed batch of events right after its commit.

The session hook in ``common.outbox`` hands it what a transaction emitted; it sends that
at once (``sync``: tests, the dev server) or from a background thread (``thread``:
production), so a request never waits for the broker. What it cannot send stays
unpublished for the sweeper (``common.outbox_sending.sweep``).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid

from flask import Flask

from common.outbox_sending import BATCH, mark, send

log = logging.getLogger(__name__)
RELAY_KEY = "tts_outbox_relay"
MARK_EVERY = 0.5  # seconds: how long published rows may wait to be marked as such


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
                mark(bind, ids, published=True)
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
                send(bodies)
            except Exception:
                # Left unpublished: the sweeper sends them once the broker answers again.
                log.exception("outbox relay could not publish", extra={"bind": bind})
                mark(bind, ids, published=False)
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
                    mark(bind, ids[start : start + BATCH], published=True)
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
