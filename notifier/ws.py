"""``WS /ws/notifications``: the caller's new notifications, pushed as they are committed.

Authenticated like the chat socket (``Authorization: Bearer`` or ``?access_token=``).
Frames: server → client ``ready`` (with the unread count), ``notification``, ``pong`` and
``error``; client → server ``{"type": "ping"}``.
"""

from __future__ import annotations

import json
import time

from flask import Flask, current_app
from flask_jwt_extended import get_jwt
from simple_websocket import ConnectionClosed

from common.livehub import LiveHub, Subscriber, send_all
from common.livehub import hub_for as _hub_for
from common.problems import DomainError
from common.security import authenticate
from common.websocket import RECHECK_SECONDS, check_session, guarded_websocket
from notifier.service import LIVE_CHANNEL, unread_count


def _dispatch(app: Flask, note: dict, subscribers) -> None:
    send_all(
        subscribers, {"type": "notification", "notification": note["notification"]}, time.time()
    )


def hub_for(app: Flask) -> LiveHub:
    return _hub_for(app, "notify", lambda a: LiveHub(a, "notify", LIVE_CHANNEL, _dispatch))


def _guard():
    principal = authenticate(locations=["headers", "query_string"])
    return principal, dict(get_jwt())


def register(app, sock) -> None:
    @guarded_websocket(app, sock, "/ws/notifications", _guard, "notify_ws")
    def notifications(ws, context):
        principal, claims = context
        hub = hub_for(current_app._get_current_object())
        subscriber = Subscriber(
            ws=ws, user_id=principal.id, expires_at=claims["exp"], claims=claims
        )
        hub.subscribe(principal.id, subscriber)
        try:
            subscriber.send({"type": "ready", "unread_count": unread_count(principal.id)})
            while True:
                raw = ws.receive(timeout=RECHECK_SECONDS)
                check_session(claims)
                if raw is None:
                    continue
                try:
                    kind = json.loads(raw).get("type")
                except (ValueError, AttributeError):
                    kind = None
                if kind == "ping":
                    subscriber.send({"type": "pong"})
                else:
                    subscriber.send({"type": "error", "title": "Bad frame", "detail": "send ping"})
        except DomainError as error:
            subscriber.send({"type": "error", "title": error.title, "detail": error.detail})
            ws.close(reason=1008, message=error.detail[:120])
        except ConnectionClosed:
            pass
        finally:
            hub.unsubscribe(principal.id, subscriber)
