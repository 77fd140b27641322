"""tickets_api's tables (database ``tts_tickets``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, Sequence, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from common.db import db
from common.models.mixins import OutboxMixin, ProcessedEventMixin

BIND = "tickets"

STATUSES = ("new", "open", "in_progress", "on_hold", "resolved", "closed", "rejected", "withdrawn")
PRIORITIES = ("low", "medium", "high", "critical")

# Human ticket numbers come from a sequence: unique without check-then-insert races.
ticket_number_seq = Sequence("ticket_number_seq", start=1000)


class Ticket(db.Model):
    __bind_key__ = BIND
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(
        Integer, ticket_number_seq, server_default=ticket_number_seq.next_value(), unique=True
    )
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(100))
    subcategory: Mapped[str | None] = mapped_column(String(100))
    department: Mapped[str] = mapped_column(String(50))
    priority: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)

    requester_id: Mapped[int] = mapped_column(Integer, index=True)
    requester_name: Mapped[str] = mapped_column(String(200))
    requester_email: Mapped[str] = mapped_column(String(254))
    assignee_id: Mapped[int | None] = mapped_column(Integer, index=True)
    assignee_name: Mapped[str | None] = mapped_column(String(200))
    current_step: Mapped[str | None] = mapped_column(String(100))

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[int | None] = mapped_column(Integer)


class TicketsOutbox(OutboxMixin, db.Model):
    __bind_key__ = BIND


class TicketsProcessedEvent(ProcessedEventMixin, db.Model):
    __bind_key__ = BIND
