"""``WS /ws/chat/tickets/<id>``: the live conversation of one ticket.

The token comes from ``Authorization: Bearer``, ``?access_token=`` or, for the web UI, the
access cookie from a page of this site (``common.security.authenticate_socket``). Access
is checked before the upgrade. ``?after=<message id>`` (a reconnect) first replays the
messages posted since, oldest first.

Frames are JSON objects: client → server ``{"type": "message", "body", "internal"?}`` and
``{"type": "ping"}``; server → client ``ready`` (``missed``: messages replayed; ``more``:
there are more, page them with ``GET /api/chat/tickets/<id>/messages?after=``),
``message``, ``pong`` and ``error``. Close codes: ``common/live/frames.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask_jwt_extended import get_jwt
from marshmallow import EXCLUDE, ValidationError

from chat_api import access, service
from chat_api.hub import ChatSubscriber, hub_for, message_frame
from chat_api.schemas import MessageIn
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
from common.live.subscriber import Subscriber
from common.problems import DomainError
from common.security import authenticate_socket
from common.unit_of_work import unit_of_work


@dataclass
class ChatCaller(Caller):
    ticket_id: int = 0
    token: str = ""
    sees_internal: bool = False

    def recheck(self) -> dict:
        """The ticket; raise if the token expired or was revoked, or the ticket is no
        longer visible."""
        super().recheck()
        return access.fetch_ticket(self.token, self.ticket_id)  # cached for a few seconds


def _guard(ticket_id: int) -> ChatCaller:
    after = after_cursor()
    principal = authenticate_socket()
    token = access.raw_token()
    ticket = access.fetch_ticket(token, ticket_id)
    return ChatCaller(
        principal,
        dict(get_jwt()),
        after,
        token=token,
        sees_internal=access.sees_internal(principal, ticket),
        ticket_id=ticket_id,
    )


def _backlog(caller: ChatCaller) -> Backlog:
    ready = {"type": "ready", "ticket_id": caller.ticket_id}
    if caller.after is None:
        return Backlog(ready, [])
    missed = service.list_messages(
        caller.ticket_id, caller.sees_internal, caller.after, BACKLOG_LIMIT + 1
    )
    return replay(
        ready, caller.after, missed, lambda m: encode(message_frame(service.message_view(m)), m.id)
    )


def _field_detail(messages: dict) -> str:
    """A schema's field map as one line, e.g. ``body: May not be blank.``"""
    return "; ".join(f"{name}: {' '.join(map(str, errors))}" for name, errors in messages.items())


def _post(caller: ChatCaller, subscriber: Subscriber, frame: dict) -> None:
    if frame["type"] != "message":
        subscriber.offer(error_frame("Bad frame", f"unknown type {frame['type']!r}"))
        return
    try:
        message = MessageIn().load(frame, unknown=EXCLUDE)  # "type" is the frame's, not ours
    except ValidationError as error:
        subscriber.offer(error_frame("Invalid message", _field_detail(error.messages)))
        return
    try:
        with unit_of_work():  # one frame, one transaction
            access.check_open(caller.recheck())
            service.post_message(
                caller.principal,
                caller.ticket_id,
                message["body"],
                message["internal"],
                caller.sees_internal,
            )
    except DomainError as error:
        subscriber.offer(error_frame(error.title, error.detail))


def register(app: Flask, sock) -> None:
    @guarded_websocket(app, sock, "/ws/chat/tickets/<id:ticket_id>", _guard, "chat_ws", hub_for)
    def conversation(ws, caller: ChatCaller, hub, ticket_id):
        subscriber = ChatSubscriber(
            ws=ws,
            user_id=caller.principal.id,
            sees_internal=caller.sees_internal,
            claims=caller.claims,
            token=caller.token,
        )
        serve(
            ws,
            hub,
            ticket_id,
            subscriber,
            caller,
            backlog=lambda: _backlog(caller),
            on_frame=lambda frame: _post(caller, subscriber, frame),
        )
