"""``WS /ws/chat/tickets/<id>``: the live conversation of one ticket.

The token comes from ``Authorization: Bearer`` or ``?access_token=`` (browsers cannot set
headers on a WebSocket). Access is checked before the upgrade. Frames are JSON objects:
client → server ``{"type": "message", "body", "internal"?}`` and ``{"type": "ping"}``;
server → client ``ready``, ``message``, ``pong`` and ``error``.
"""

from __future__ import annotations

import json

from flask import current_app
from simple_websocket import ConnectionClosed

from chat_api import access, service
from chat_api.hub import Subscriber, hub_for
from common.db import db
from common.problems import DomainError
from common.security import authenticate
from common.websocket import guarded_websocket

MAX_BODY = 10_000


def _guard(ticket_id: int):
    principal = authenticate(locations=["headers", "query_string"])
    access.fetch_ticket(access.raw_token(), ticket_id)
    return principal


def _handle_frame(principal, subscriber: Subscriber, ticket_id: int, raw) -> None:
    try:
        frame = json.loads(raw)
    except (TypeError, ValueError):
        subscriber.send(
            {"type": "error", "title": "Bad frame", "detail": "frames are JSON objects"}
        )
        return
    kind = frame.get("type") if isinstance(frame, dict) else None
    if kind == "ping":
        subscriber.send({"type": "pong"})
        return
    if kind != "message":
        subscriber.send({"type": "error", "title": "Bad frame", "detail": f"unknown type {kind!r}"})
        return
    body = frame.get("body")
    if not isinstance(body, str) or not body.strip() or len(body) > MAX_BODY:
        subscriber.send(
            {
                "type": "error",
                "title": "Invalid message",
                "detail": f"body: 1 to {MAX_BODY} characters",
            }
        )
        return
    try:
        service.post_message(principal, ticket_id, body, bool(frame.get("internal", False)))
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        subscriber.send({"type": "error", "title": error.title, "detail": error.detail})
    finally:
        db.session.remove()


def register(app, sock) -> None:
    @guarded_websocket(app, sock, "/ws/chat/tickets/<id:ticket_id>", _guard, "chat_ws")
    def conversation(ws, principal, ticket_id):
        hub = hub_for(current_app._get_current_object())
        subscriber = Subscriber(ws=ws, user_id=principal.id, staff=access.is_staff(principal))
        hub.subscribe(ticket_id, subscriber)
        try:
            subscriber.send({"type": "ready", "ticket_id": ticket_id})
            while True:
                raw = ws.receive()
                if raw is None:
                    continue
                _handle_frame(principal, subscriber, ticket_id, raw)
        except ConnectionClosed:
            pass
        finally:
            hub.unsubscribe(ticket_id, subscriber)
