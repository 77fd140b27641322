"""WebSocket routes that authorise *before* the upgrade, and the loop every socket runs.

flask-sock performs the handshake before calling the handler, so a refused caller would
first get a socket and then a close. Here a ``guard`` runs first: when it raises, the
client gets an ordinary problem response (401, 404, 422, 429) and no socket. The
handshake and teardown themselves are flask-sock's own code, reused as is.

Once open, a socket subscribes to the hub, receives what it missed (``?after=``) and
then live frames, answers pings, and re-checks its session whenever it has been idle for
``RECHECK_SECONDS``.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, g, request
from flask_sock import Sock
from greenlet import GreenletExit
from simple_websocket import ConnectionClosed
from wsproto.utilities import RemoteProtocolError

from common.db import db
from common.ids import MAX_ID
from common.live.frames import (
    GOING_AWAY,
    SESSION_ENDED,
    TRY_AGAIN,
    BadFrame,
    Outgoing,
    encode,
    error_frame,
    parse_frame,
)
from common.live.hub import LiveHub
from common.live.registry import socket_slot
from common.live.subscriber import Subscriber, session_over
from common.problems import DomainError, Unauthorized, Unavailable, Unprocessable
from common.security import Principal

log = logging.getLogger(__name__)
# A socket re-checks its token and its access this often, idle or busy.
RECHECK_SECONDS = 30
# The kernel's send buffer per socket. Linux would grow it to megabytes for a client that
# stops reading; bounded, such a client fills its queue (subscriber.py) and is closed
# within about a megabyte, and thousands of sockets cannot pin gigabytes of kernel memory.
SEND_BUFFER_BYTES = 64 * 1024
# At most this many missed rows, and this many bytes of them, are replayed on reconnect
# (well inside a socket's queue); ``more`` tells the client to page the rest over REST.
BACKLOG_LIMIT = 200
BACKLOG_BYTES = 256 * 1024


@dataclass
class Caller:
    """Who is on the socket, as checked at the upgrade."""

    principal: Principal
    claims: dict
    after: int | None  # the last row id the client saw before reconnecting

    def recheck(self) -> None:
        """Raise if the caller may no longer hold this socket (services add their rules)."""
        if session_over(self.claims, time.time()):
            raise Unauthorized("Your session ended")


def after_cursor() -> int | None:
    """``?after=<id>``: the last message or notification id the client saw."""
    raw = request.args.get("after")
    if raw is None or raw == "":
        return None
    if not raw.isascii() or not raw.isdigit() or int(raw) > MAX_ID:
        raise Unprocessable("after: the id of the last row received, a whole number.")
    return int(raw)


@dataclass
class Backlog:
    """What a socket sends first: its ready frame, then the rows the client missed."""

    ready: dict
    frames: list[Outgoing]
    floor: int = 0  # rows up to this id were sent here; live copies of them are dropped


def replay(ready: dict, after: int, missed: list, frame_of: Callable) -> Backlog:
    """The ready frame and the first of ``missed`` (read with BACKLOG_LIMIT + 1 rows, oldest
    first) that fit BACKLOG_LIMIT and BACKLOG_BYTES; ``more`` says some were left out."""
    frames, size = [], 0
    more = len(missed) > BACKLOG_LIMIT
    for row in missed[:BACKLOG_LIMIT]:
        frame = frame_of(row)
        size += len(frame.text)
        if size > BACKLOG_BYTES and frames:
            more = True
            break
        frames.append(frame)
    ready.update(missed=len(frames), more=more)
    return Backlog(ready, frames, max([after, *(frame.seq for frame in frames)]))


class _CaptureRoute:
    """Stands in for a blueprint so flask-sock hands us its wrapped view function."""

    view: Callable | None = None

    def route(self, _path, **_options):
        def register(view):
            self.view = view
            return view

        return register


def guarded_websocket(
    app: Flask,
    sock: Sock,
    path: str,
    guard: Callable[..., Caller],
    endpoint: str,
    hub_for: Callable[[Flask], LiveHub],
):
    """Register ``handler(ws, caller, hub, **url_args)`` at ``path`` behind ``guard``."""

    def decorator(handler: Callable) -> Callable:
        def with_context(ws, **kwargs):
            return handler(ws, g.live_caller, g.live_hub, **kwargs)

        capture = _CaptureRoute()
        sock.route(path, bp=capture)(with_context)
        upgrade = capture.view

        def view(**kwargs):
            caller = guard(**kwargs)  # raises DomainError -> problem, no upgrade
            hub = hub_for(current_app._get_current_object())
            cap = current_app.config["TTS_CONFIG"].live_sockets_per_user
            db.session.remove()  # an open socket holds no pooled connection
            # No permessage-deflate: its zlib state costs ~300 kB per socket, more than
            # everything else a socket holds, for frames of a few hundred bytes.
            request.environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
            _bound_send_buffer(request.environ)
            with socket_slot(hub, caller.principal.id, cap):
                g.live_caller, g.live_hub = caller, hub
                try:
                    return upgrade(**kwargs)
                except RemoteProtocolError as error:  # no Sec-WebSocket-Key, a bad version
                    raise DomainError(f"Not a WebSocket handshake: {error}") from None  # 400

        app.add_url_rule(path, endpoint=endpoint, view_func=view, websocket=True)
        return handler

    return decorator


def _bound_send_buffer(environ: dict) -> None:
    sock = environ.get("gunicorn.socket") or environ.get("werkzeug.socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)


def serve(
    ws,
    hub: LiveHub,
    key,
    subscriber: Subscriber,
    caller: Caller,
    backlog: Callable[[], Backlog],
    on_frame: Callable[[dict], None],
) -> None:
    """Run one socket: subscribe, send the backlog, then live frames until it closes."""
    hub.subscribe(key, subscriber)
    try:
        # Read after subscribing: a row committed meanwhile is in the backlog, or arrives
        # live, or both (then ``floor`` drops the live copy); never neither.
        first = backlog()
        db.session.remove()
        subscriber.start([encode(first.ready), *first.frames], first.floor)
        next_check = time.monotonic() + RECHECK_SECONDS
        while True:
            raw = ws.receive(timeout=max(next_check - time.monotonic(), 0))
            if time.monotonic() >= next_check:  # however chatty: still allowed here?
                caller.recheck()
                db.session.remove()
                next_check = time.monotonic() + RECHECK_SECONDS
            if raw is None:
                continue
            try:
                frame = parse_frame(raw)
            except BadFrame as error:
                subscriber.offer(error_frame("Bad frame", error.detail))
                continue
            if frame["type"] == "ping":
                subscriber.offer(encode({"type": "pong"}))
                continue
            try:
                on_frame(frame)
            finally:
                db.session.remove()
    except DomainError as error:
        subscriber.offer(error_frame(error.title, error.detail))
        code = TRY_AGAIN if isinstance(error, Unavailable) else SESSION_ENDED
        subscriber.close(code, error.detail)
    except ConnectionClosed:
        pass
    except GreenletExit:  # the live process is shutting down
        subscriber.close(GOING_AWAY, "Server restarting: reconnect with ?after=")
        raise
    except Exception:  # a database blip mid-socket: the client retries, nothing is lost
        log.exception("live socket failed")
        subscriber.close(TRY_AGAIN, "Temporarily unavailable: reconnect with ?after=")
    finally:
        hub.unsubscribe(key, subscriber)
        db.session.remove()
        subscriber.finish()
