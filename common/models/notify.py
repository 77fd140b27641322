"""notifier's tables (database ``tts_notify``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
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

BIND = "notify"


class Notification(db.Model):
    __bind_key__ = BIND
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_created", "user_id", text("created_at DESC"), text("id DESC")),
        Index("ix_notifications_unread", "user_id", postgresql_where=text("read_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(50))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSONB, default=dict)
    # The event that caused it: a redelivered event cannot notify twice.
    source_event_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class NotifyOutbox(OutboxMixin, db.Model):
    __bind_key__ = BIND


class NotifyProcessedEvent(ProcessedEventMixin, db.Model):
    __bind_key__ = BIND


class EmailLog(db.Model):
    """Every email notifier was asked to send, and what became of it. Never the body of
    a mail that carried a link with a one-time token: only its template and recipient."""

    __bind_key__ = BIND
    __tablename__ = "email_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The causing event: a redelivered event sends at most once.
    source_event_id: Mapped[str] = mapped_column(String(64), unique=True)
    to: Mapped[str] = mapped_column(String(254))
    template: Mapped[str] = mapped_column(String(50))
    subject: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class NotifyRevocation(RevocationMixin, db.Model):
    __bind_key__ = BIND


class NotifyLiveSocket(LiveSocketMixin, db.Model):
    __bind_key__ = BIND


class NotifyJobFailure(JobFailureMixin, db.Model):
    __bind_key__ = BIND


class NotifyHeartbeat(HeartbeatMixin, db.Model):
    __bind_key__ = BIND


class NotifyOpsAudit(OpsAuditMixin, db.Model):
    __bind_key__ = BIND
