"""The chat's live fan-out: committed messages to the sockets of each ticket (a LiveHub).

Internal notes go only to subscribers who see them (staff working the ticket). When the
ticket's audience loses someone, each of its sockets is re-checked at once: it holds its
frames meanwhile, and one that may no longer see the ticket is closed.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from flask import Flask

from chat_api import access
from chat_api.service import CHANNEL, load_view
from common.db import db
from common.live.frames import SESSION_ENDED, TRY_AGAIN
from common.live.hub import LiveHub, send_all
from common.live.hub import hub_for as _hub_for
from common.live.subscriber import Subscriber
from common.problems import NotFound, Unauthorized

log = logging.getLogger(__name__)


@dataclass(eq=False)
class ChatSubscriber(Subscriber):
    token: str = ""  # the socket's own access token: its access is re-checked with it


def message_frame(view: dict) -> dict:
    """A message as sockets receive it, live or replayed."""
    return {"type": "message", "message": view}


def _dispatch(app: Flask, note: dict, subscribers) -> None:
    if "audience" in note:
        _recheck(app, note["key"], subscribers)
        return
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


def _recheck(app: Flask, ticket_id: int, subscribers: list[ChatSubscriber]) -> None:
    """Hold every socket of the ticket now, then ask tickets_api for each away from the
    listener (one slow answer must not delay other tickets' messages)."""
    for subscriber in subscribers:
        subscriber.hold()
    threading.Thread(
        target=_recheck_each, args=(app, ticket_id, subscribers), name="chat-recheck", daemon=True
    ).start()


def _recheck_each(app: Flask, ticket_id: int, subscribers: list[ChatSubscriber]) -> None:
    with app.app_context():
        try:
            for subscriber in subscribers:
                try:
                    access.fetch_ticket(subscriber.token, ticket_id, fresh=True)
                except (NotFound, Unauthorized):
                    subscriber.close(SESSION_ENDED, "You no longer have access to this ticket")
                except Exception:
                    log.exception("could not re-check a socket's access")
                    subscriber.close(TRY_AGAIN, "Access could not be checked: reconnect")
                else:
                    subscriber.resume()
        finally:
            db.session.remove()


def hub_for(app: Flask) -> LiveHub:
    return _hub_for(app, "chat", lambda a: LiveHub(a, "chat", CHANNEL, _dispatch))
