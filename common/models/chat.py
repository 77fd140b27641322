"""chat_api's tables (database ``tts_chat``): the conversation on each ticket."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from common.db import db
from common.models.mixins import (
    HeartbeatMixin,
    JobFailureMixin,
    LiveSocketMixin,
    OpsAuditMixin,
    OutboxMixin,
    ProcessedEventMixin,
    RevocationMixin,
)

BIND = "chat"


class Message(db.Model):
    __bind_key__ = BIND
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_ticket_id_id", "ticket_id", "id"),)
    # created_at comes back with the INSERT's RETURNING: no second round trip to read it.
    __mapper_args__ = {"eager_defaults": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(Integer)
    author_name: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # Internal notes are between staff; the requester never receives them.
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class TicketAudience(db.Model):
    """How many times each ticket's audience lost someone (an assignee transferred away),
    as tickets_api reported it: "may see" answers cached before the last change are void."""

    __bind_key__ = BIND
    __tablename__ = "ticket_audiences"

    ticket_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # tickets_api's version of the ticket at the change; only ever raised.
    version: Mapped[int] = mapped_column(Integer)


class ChatOutbox(OutboxMixin, db.Model):
    __bind_key__ = BIND


class ChatProcessedEvent(ProcessedEventMixin, db.Model):
    __bind_key__ = BIND


class ChatRevocation(RevocationMixin, db.Model):
    __bind_key__ = BIND


class ChatLiveSocket(LiveSocketMixin, db.Model):
    __bind_key__ = BIND


class ChatJobFailure(JobFailureMixin, db.Model):
    __bind_key__ = BIND


class ChatHeartbeat(HeartbeatMixin, db.Model):
    __bind_key__ = BIND


class ChatOpsAudit(OpsAuditMixin, db.Model):
    __bind_key__ = BIND
