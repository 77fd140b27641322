"""tickets_api's tables (database ``tts_tickets``)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Sequence,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from common.db import db
from common.models.mixins import (
    HeartbeatMixin,
    JobFailureMixin,
    OpsAuditMixin,
    OutboxMixin,
    ProcessedEventMixin,
    RevocationMixin,
)

BIND = "tickets"

STATUSES = ("new", "open", "in_progress", "on_hold", "resolved", "closed", "rejected", "withdrawn")
PRIORITIES = ("low", "medium", "high", "critical")
DEPARTMENTS = ("IT", "Asset", "Budget")

# Human ticket numbers come from a sequence: unique without check-then-insert races.
ticket_number_seq = Sequence("ticket_number_seq", start=1000)

# Full-text document, computed by PostgreSQL in the same statement that writes the row:
# search is never behind the data. Subject weighs more than the description.
SEARCH_DOCUMENT = (
    "setweight(to_tsvector('english', coalesce(subject, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(description, '')), 'B')"
)


class Category(db.Model):
    """The catalogue admins manage: top-level categories and their subcategories."""

    __bind_key__ = BIND
    __tablename__ = "categories"
    __table_args__ = (
        Index("uq_categories_parent_name", text("coalesce(parent_id, 0)"), "name", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    # Which per-category details schema applies ("asset", "budget" or none).
    details_kind: Mapped[str | None] = mapped_column(String(20))
    default_department: Mapped[str | None] = mapped_column(String(50))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    subcategories: Mapped[list[Category]] = relationship(
        order_by="Category.position, Category.name", lazy="selectin"
    )


class Ticket(db.Model):
    __bind_key__ = BIND
    __tablename__ = "tickets"
    # number, timestamps come back in the INSERT/UPDATE's RETURNING: no second read.
    __mapper_args__ = {"eager_defaults": True}
    __table_args__ = (
        # Keyset pages, newest first, for each common filter; id breaks ties.
        Index("ix_tickets_created", text("created_at DESC"), text("id DESC")),
        Index("ix_tickets_updated", text("updated_at DESC"), text("id DESC")),
        Index("ix_tickets_status_created", "status", text("created_at DESC"), text("id DESC")),
        Index(
            "ix_tickets_requester_created", "requester_id", text("created_at DESC"), text("id DESC")
        ),
        Index(
            "ix_tickets_assignee_created", "assignee_id", text("created_at DESC"), text("id DESC")
        ),
        Index("ix_tickets_search", "search", postgresql_using="gin"),
        # The auto-close sweep reads only resolved tickets.
        Index(
            "ix_tickets_resolved_at", "resolved_at", postgresql_where=text("status = 'resolved'")
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(
        Integer, ticket_number_seq, server_default=ticket_number_seq.next_value(), unique=True
    )
    # Bumped on every change: the ETag, so a stale edit is refused (412), never applied.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(100))
    subcategory: Mapped[str | None] = mapped_column(String(100))
    department: Mapped[str] = mapped_column(String(50))
    priority: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="new")
    status_reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    scheduled_date: Mapped[date | None] = mapped_column(Date)

    requester_id: Mapped[int] = mapped_column(Integer)
    requester_name: Mapped[str] = mapped_column(String(200))
    requester_email: Mapped[str] = mapped_column(String(254))
    assignee_id: Mapped[int | None] = mapped_column(Integer)
    assignee_name: Mapped[str | None] = mapped_column(String(200))
    current_step: Mapped[str | None] = mapped_column(String(100))
    approved_by: Mapped[int | None] = mapped_column(Integer)

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When someone first worked on it (a staff message, the task acted on, a hold): until
    # then an in_progress ticket reads "Assigned" (see tickets_api.service.work_started).
    work_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # Only ever used in WHERE clauses: never loaded.
    search: Mapped[str] = mapped_column(
        TSVECTOR, Computed(SEARCH_DOCUMENT, persisted=True), deferred=True
    )

    csat: Mapped[Csat | None] = relationship(lazy="select", uselist=False)


class TicketHistory(db.Model):
    """One row per changed field (or per action without a field): who, when, old → new."""

    __bind_key__ = BIND
    __tablename__ = "ticket_history"
    __table_args__ = (Index("ix_ticket_history_ticket", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor_id: Mapped[int | None] = mapped_column(Integer)  # None: the system (workflow, scheduler)
    actor_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    field: Mapped[str | None] = mapped_column(String(60))
    old_value: Mapped[object | None] = mapped_column(JSONB)
    new_value: Mapped[object | None] = mapped_column(JSONB)


class Attachment(db.Model):
    __bind_key__ = BIND
    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_ticket", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    # A random name on disk; the user's file name is only ever metadata.
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[int] = mapped_column(Integer)
    uploaded_by_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Csat(db.Model):
    """The requester's one rating of a resolved or closed ticket."""

    __bind_key__ = BIND
    __tablename__ = "csat"

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    rating: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class TicketsOutbox(OutboxMixin, db.Model):
    __bind_key__ = BIND


class TicketsProcessedEvent(ProcessedEventMixin, db.Model):
    __bind_key__ = BIND


class TicketsRevocation(RevocationMixin, db.Model):
    __bind_key__ = BIND


class TicketsJobFailure(JobFailureMixin, db.Model):
    __bind_key__ = BIND


class TicketsHeartbeat(HeartbeatMixin, db.Model):
    __bind_key__ = BIND


class TicketsOpsAudit(OpsAuditMixin, db.Model):
    __bind_key__ = BIND
