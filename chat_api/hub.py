"""The chat's live fan-out: committed messages to the sockets of each ticket (a LiveHub).

Internal notes go only to subscribers who see them (staff working the ticket).
"""

from __future__ import annotations

from flask import Flask

from chat_api.service import CHANNEL, load_view
from common.db import db
from common.live.hub import LiveHub, send_all
from common.live.hub import hub_for as _hub_for


def message_frame(view: dict) -> dict:
    """A message as sockets receive it, live or replayed."""
    return {"type": "message", "message": view}


def _dispatch(app: Flask, note: dict, subscribers) -> None:
    message = note.get("message")
    if message is None:  # too large to travel in the NOTIFY: read it back
        with app.app_context():
            message = load_view(note["id"])
            db.session.remove()
        if message is None:
            return
    send_all(
        subscribers,
        message_frame(message),
        seq=message["id"],
        allowed=lambda s: not note["internal"] or s.sees_internal,
    )


def hub_for(app: Flask) -> LiveHub:
    return _hub_for(app, "chat", lambda a: LiveHub(a, "chat", CHANNEL, _dispatch))
