"""``WS /ws/notifications``: the caller's new notifications, pushed as they are committed.

Authenticated like the chat socket (``Authorization: Bearer``, ``?access_token=``, or the web
UI's access cookie from a page of this site: ``common.security.authenticate_socket``).
``?after=<notification id>`` (a reconnect) first replays the unread notifications newer
than that, oldest first. Frames: server → client ``ready`` (``unread_count``; with
``after``, ``missed`` and ``more``), ``notification``, ``pong`` and ``error``; client →
server ``{"type": "ping"}``. Close codes: ``common/live/frames.py``.
"""

from __future__ import annotations

from flask import Flask
from flask_jwt_extended import get_jwt

from common.live.endpoint import (
    BACKLOG_LIMIT,
    Backlog,
    Caller,
    after_cursor,
    guarded_websocket,
    replay,
    serve,
)
from common.live.frames import encode, error_frame
from common.live.hub import LiveHub, send_all
from common.live.hub import hub_for as _hub_for
from common.live.subscriber import Subscriber
from common.security import authenticate_socket
from notifier.inbox import LIVE_CHANNEL
from notifier.service import notification_view, unread_after, unread_count


def notification_frame(view: dict) -> dict:
    """A notification as sockets receive it, live or replayed."""
    return {"type": "notification", "notification": view}


def _dispatch(app: Flask, note: dict, subscribers) -> None:
    notification = note["notification"]
    send_all(subscribers, notification_frame(notification), notification["id"])


def hub_for(app: Flask) -> LiveHub:
    return _hub_for(app, "notify", lambda a: LiveHub(a, "notify", LIVE_CHANNEL, _dispatch))


def _guard() -> Caller:
    after = after_cursor()
    principal = authenticate_socket()
    return Caller(principal, dict(get_jwt()), after)


def _backlog(caller: Caller) -> Backlog:
    user_id = caller.principal.id
    ready = {"type": "ready", "unread_count": unread_count(user_id)}
    if caller.after is None:
        return Backlog(ready, [])
    missed = unread_after(user_id, caller.after, BACKLOG_LIMIT + 1)
    return replay(
        ready,
        caller.after,
        missed,
        lambda n: encode(notification_frame(notification_view(n)), n.id),
    )


def register(app: Flask, sock) -> None:
    @guarded_websocket(app, sock, "/ws/notifications", _guard, "notify_ws", hub_for)
    def notifications(ws, caller: Caller, hub):
        subscriber = Subscriber(
            ws=ws,
            user_id=caller.principal.id,
            claims=caller.claims,
        )

        def on_frame(frame: dict) -> None:
            subscriber.offer(error_frame("Bad frame", 'send {"type": "ping"}'))

        serve(
            ws,
            hub,
            caller.principal.id,
            subscriber,
            caller,
            backlog=lambda: _backlog(caller),
            on_frame=on_frame,
        )
