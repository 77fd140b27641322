"""Posting and reading a ticket's messages. Posting notifies every chat_api process
through PostgreSQL NOTIFY in the same transaction, so a message is broadcast exactly
when (and only if) it is committed."""

from __future__ import annotations

import json

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from common.db import db, lock_until_commit
from common.live.hub import MAX_INLINE_PAYLOAD, notify_in_transaction
from common.models.chat import Message, TicketAudience
from common.outbox import emit
from common.problems import Forbidden
from common.security import Principal

CHANNEL = "tts_chat"
# The first key of the per-ticket advisory lock taken while posting.
TICKET_LOCK = 0x7453_4348


def message_view(message: Message) -> dict:
    return {
        "id": message.id,
        "ticket_id": message.ticket_id,
        "author": {"id": message.author_id, "name": message.author_name},
        "body": message.body,
        "internal": message.internal,
        "created_at": message.created_at.isoformat(),
    }


def post_message(
    principal: Principal, ticket_id: int, body: str, internal: bool, sees_internal: bool
) -> Message:
    if internal and not sees_internal:
        raise Forbidden("Only staff working this ticket may post internal notes")
    # One writer per ticket at a time: its message ids then commit in order, so a socket
    # that reconnects with ?after=<last id seen> can never miss an earlier message.
    lock_until_commit(Message, TICKET_LOCK, ticket_id)
    message = Message(
        ticket_id=ticket_id,
        author_id=principal.id,
        author_name=principal.name,
        body=body,
        internal=internal,
    )
    db.session.add(message)
    db.session.flush()
    emit(
        "chat.message_posted",
        {
            "message_id": message.id,
            "ticket_id": ticket_id,
            "author_id": principal.id,
            "internal": internal,
        },
    )
    view = message_view(message)
    note = {"key": ticket_id, "internal": internal, "message": view}
    if len(json.dumps(view).encode()) > MAX_INLINE_PAYLOAD:
        note = {"key": ticket_id, "internal": internal, "id": message.id}
    notify_in_transaction(Message, CHANNEL, note)
    return message


def list_messages(ticket_id: int, sees_internal: bool, after: int | None, limit: int):
    query = select(Message).where(Message.ticket_id == ticket_id)
    if not sees_internal:
        query = query.where(Message.internal.is_(False))
    if after:
        query = query.where(Message.id > after)
    return db.session.scalars(query.order_by(Message.id).limit(limit)).all()


def load_view(message_id: int) -> dict | None:
    message = db.session.get(Message, message_id)
    return message_view(message) if message else None


def record_audience_change(payload: dict) -> None:
    """Someone lost sight of the ticket: every process's cached "may see" answers for it
    are void from now on (they compare versions), and every live process re-checks the
    ticket's open sockets when the NOTIFY reaches it, at this transaction's commit."""
    ticket_id, version = payload["ticket_id"], payload["version"]
    upsert = insert(TicketAudience).values(ticket_id=ticket_id, version=version)
    db.session.execute(
        upsert.on_conflict_do_update(
            index_elements=[TicketAudience.ticket_id],
            set_={"version": func.greatest(TicketAudience.version, upsert.excluded.version)},
        )
    )
    notify_in_transaction(Message, CHANNEL, {"key": ticket_id, "audience": version})
