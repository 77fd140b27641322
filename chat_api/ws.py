"""``WS /ws/chat/tickets/<id>``: the live conversation of one ticket.

The token comes from ``Authorization: Bearer`` or ``?access_token=`` (browsers cannot set
headers on a WebSocket). Access is checked before the upgrade. Frames are JSON objects:
client → server ``{"type": "message", "body", "internal"?}`` and ``{"type": "ping"}``;
server → client ``ready``, ``message``, ``pong`` and ``error``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import current_app
from flask_jwt_extended import get_jwt
from simple_websocket import ConnectionClosed

from chat_api import access, service
from chat_api.hub import hub_for
from common.db import db
from common.livehub import Subscriber
from common.problems import DomainError
from common.security import Principal, authenticate
from common.websocket import RECHECK_SECONDS, check_session, guarded_websocket

MAX_BODY = 10_000


@dataclass
class Caller:
    """Who is on the socket, as checked at the upgrade and re-checked while it lives."""

    principal: Principal
    token: str
    claims: dict
    sees_internal: bool

    def still_allowed(self, ticket_id: int) -> None:
        """Raise if the token expired or was revoked, or the ticket is no longer visible."""
        check_session(self.claims)
        access.fetch_ticket(self.token, ticket_id)  # cached for a few seconds


def _guard(ticket_id: int) -> Caller:
    principal = authenticate(locations=["headers", "query_string"])
    ticket = access.fetch_ticket(access.raw_token(), ticket_id)
    return Caller(
        principal, access.raw_token(), dict(get_jwt()), access.sees_internal(principal, ticket)
    )


def _handle_frame(caller: Caller, subscriber: Subscriber, ticket_id: int, raw) -> None:
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
        caller.still_allowed(ticket_id)
        service.post_message(
            caller.principal, ticket_id, body, bool(frame.get("internal")), caller.sees_internal
        )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        subscriber.send({"type": "error", "title": error.title, "detail": error.detail})
    finally:
        db.session.remove()


def register(app, sock) -> None:
    @guarded_websocket(app, sock, "/ws/chat/tickets/<id:ticket_id>", _guard, "chat_ws")
    def conversation(ws, caller: Caller, ticket_id):
        hub = hub_for(current_app._get_current_object())
        subscriber = Subscriber(
            ws=ws,
            user_id=caller.principal.id,
            expires_at=caller.claims["exp"],
            sees_internal=caller.sees_internal,
            claims=caller.claims,
        )
        hub.subscribe(ticket_id, subscriber)
        try:
            subscriber.send({"type": "ready", "ticket_id": ticket_id})
            while True:
                raw = ws.receive(timeout=RECHECK_SECONDS)
                if raw is None:  # idle: is this caller still allowed here?
                    caller.still_allowed(ticket_id)
                    continue
                _handle_frame(caller, subscriber, ticket_id, raw)
        except DomainError as error:
            subscriber.send({"type": "error", "title": error.title, "detail": error.detail})
            ws.close(reason=1008, message=error.detail[:120])
        except ConnectionClosed:
            pass
        finally:
            hub.unsubscribe(ticket_id, subscriber)
