"""One open socket as the hub sees it: a bounded queue of outgoing frames and one writer.

The hub never writes to a socket itself: it offers each frame to each subscriber's queue
and moves on, so one client that stops reading cannot delay the others. A subscriber whose
queue fills up is too far behind to catch up live; it is closed with ``TOO_SLOW`` and
reconnects with ``?after=`` to receive what it missed. A writer blocked on a client that
reads nothing at all cannot even send that close frame: after a short grace the socket is
shut down under it.

A new subscriber *holds* what the hub offers until the socket's backlog (what the client
missed while away) has been read and queued; held frames already in the backlog are
dropped by ``seq``, so the client sees every row once and in order.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import socket
import threading
import time
from dataclasses import dataclass, field

from common.live.frames import NORMAL, TOO_SLOW, Outgoing

log = logging.getLogger(__name__)

# How far a socket may fall behind before it is closed as too slow, in frames and in
# bytes (whichever comes first). Chat and notifications are a few frames a minute: this far
# behind means the client is not reading. Beyond the queue, the kernel holds at most
# SEND_BUFFER_BYTES (common/live/endpoint.py) per socket.
QUEUE_FRAMES = 512
QUEUE_BYTES = 1024 * 1024
# How long a close frame may take to go out before the socket is shut down under it.
CLOSE_GRACE_SECONDS = 2.0


class WholeWrites:
    """The socket under simple-websocket, sending every frame whole and one at a time.

    simple-websocket writes with ``sock.send`` and ignores a short count, which a nearly
    full send buffer returns (under gevent, often): a frame would go out cut, and the
    stream with it. Its reader also answers pings from another greenlet or thread. Here
    every write is a ``sendall`` under one lock per socket."""

    def __init__(self, sock):
        self._sock = sock
        self._lock = threading.Lock()

    def send(self, data: bytes) -> int:
        with self._lock:
            self._sock.sendall(data)
        return len(data)

    def __getattr__(self, name):
        return getattr(self._sock, name)


def session_over(claims: dict, now: float) -> bool:
    """The token expired, or its session was revoked (logout, deactivation): needs an app
    context."""
    from common.tokens.revocation import is_revoked

    return now >= claims["exp"] or is_revoked(claims)


@dataclass(frozen=True)
class _Close:
    code: int
    reason: str


@dataclass(eq=False)
class Subscriber:
    ws: object
    user_id: int
    claims: dict | None = None  # the socket's token: nothing is sent once it has ended
    sees_internal: bool = False
    queue_frames: int = QUEUE_FRAMES
    queue_bytes: int = QUEUE_BYTES
    _queue: queue.Queue = field(init=False, repr=False)
    _queued_bytes: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _held: list[Outgoing] | None = field(default_factory=list, repr=False)
    _floor: int = 0
    _closing: bool = False
    _started: bool = False
    _writer: threading.Thread | None = None

    def __post_init__(self):
        self._queue = queue.Queue(self.queue_frames)
        if getattr(self.ws, "sock", None) is not None and not isinstance(self.ws.sock, WholeWrites):
            self.ws.sock = WholeWrites(self.ws.sock)

    # --- the hub's side -----------------------------------------------------------------

    def offer(self, frame: Outgoing) -> None:
        """Queue ``frame`` without waiting; a subscriber too far behind is closed."""
        with self._lock:
            if self._closing:
                return
            if self._held is not None:
                if len(self._held) < self.queue_frames:
                    self._held.append(frame)
                    return
            elif frame.seq is None or frame.seq > self._floor:
                if self._queued_bytes + len(frame.text) <= self.queue_bytes:
                    try:
                        self._queue.put_nowait(frame)
                        self._queued_bytes += len(frame.text)
                        return
                    except queue.Full:
                        pass
            else:
                return  # already sent with the backlog
        log.warning("closing a socket that stopped reading", extra={"user_id": self.user_id})
        self.close(TOO_SLOW, "Too far behind: reconnect with ?after=<last id seen>")

    def hold(self) -> None:
        """Keep what the hub offers from now on until ``resume``: while the socket's
        access is re-checked, nothing reaches someone who may have just lost it."""
        with self._lock:
            if self._started and not self._closing and self._held is None:
                self._held = []

    def resume(self) -> None:
        """Send what was held (the re-check passed) and let frames flow live again."""
        with self._lock:
            if not self._started or self._held is None:
                return  # not held (a socket still sending its backlog holds until start)
            held, self._held = self._held, None
        for frame in held:
            self.offer(frame)

    @property
    def expires_at(self) -> float:
        return self.claims["exp"] if self.claims else float("inf")

    def session_ended(self, now: float) -> bool:
        return self.claims is not None and session_over(self.claims, now)

    # --- the socket's side --------------------------------------------------------------

    def start(self, first: list[Outgoing], floor: int = 0) -> None:
        """Send ``first`` (the ready frame and the backlog), then what the hub held back,
        minus rows whose ``seq`` is at most ``floor``; from then on frames flow live."""
        with self._lock:
            held, self._held = self._held or [], None
            self._floor = floor
            self._started = True
            behind = [*first, *(f for f in held if f.seq is None or f.seq > floor)]
            fits = len(behind) <= self.queue_frames and (
                sum(len(f.text) for f in behind) <= self.queue_bytes
            )
            for frame in behind if fits else ():
                self._queue.put_nowait(frame)
                self._queued_bytes += len(frame.text)
        self._writer = threading.Thread(target=self._write, name="ws-writer", daemon=True)
        self._writer.start()
        if not fits:
            self.close(TOO_SLOW, "Too far behind: reconnect with ?after=<last id seen>")

    def close(self, code: int, reason: str, watchdog: bool = True) -> None:
        """Close with ``code`` after the frames already queued, unless the client is too
        slow for them: then the queue is dropped and only the close is sent. The watchdog
        shuts the socket down if even the close cannot go out in time."""
        with self._lock:
            if self._closing:
                return
            self._closing = True
            if code == TOO_SLOW:
                _drain(self._queue)
                self._queued_bytes = 0
            try:
                self._queue.put_nowait(_Close(code, reason[:120]))
            except queue.Full:
                _drain(self._queue)
                self._queued_bytes = 0
                self._queue.put_nowait(_Close(code, reason[:120]))
        if not self._started:  # no writer will ever send the close
            self._abort()
        elif watchdog:
            # A client too slow to read will not answer the close either: its socket goes
            # after the grace whatever happened (a harmless no-op if it already went).
            # Any other close waits only for a writer stuck on a full buffer.
            then = self._abort if code == TOO_SLOW else self._abort_if_stuck
            timer = threading.Timer(CLOSE_GRACE_SECONDS, then)
            timer.daemon = True
            timer.start()

    def finish(self) -> None:
        """The handler is leaving: close the socket (normally, if nothing closed it yet)
        and make sure no writer is left blocked on it."""
        self.close(NORMAL, "Bye", watchdog=False)
        if self._writer is not None:
            self._writer.join(CLOSE_GRACE_SECONDS)
        self._abort_if_stuck()

    def _write(self) -> None:
        ws = self.ws
        while True:
            item = self._queue.get()
            try:
                if isinstance(item, _Close):
                    if ws.connected:
                        ws.close(reason=item.code, message=item.reason)
                    return
                with self._lock:
                    self._queued_bytes -= len(item.text)
                if time.time() < self.expires_at:
                    ws.send(item.text)
            except Exception:  # the client went away: the handler cleans up
                log.info("socket closed while sending", extra={"user_id": self.user_id})
                return

    def _abort_if_stuck(self) -> None:
        if (self._writer is not None and self._writer.is_alive()) or self.ws.connected:
            self._abort()

    def _abort(self) -> None:
        """Shut the socket down under a writer blocked on a client that reads nothing."""
        sock = getattr(self.ws, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):  # already gone
                sock.shutdown(socket.SHUT_RDWR)
        self.ws.connected = False


def _drain(frames: queue.Queue) -> None:
    while True:
        try:
            frames.get_nowait()
        except queue.Empty:
            return
