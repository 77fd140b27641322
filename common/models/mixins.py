"""Tables every service has in its own database: the outbox and the consumed-events log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from sqlalchemy import DateTime, Index, String, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

# bind key -> model class, filled as each service's models module is imported.
OUTBOX_MODELS: dict[str, type] = {}
PROCESSED_EVENT_MODELS: dict[str, type] = {}


class OutboxMixin:
    """An event written in the producer's transaction, published after commit.

    ``id`` is the event id consumers dedupe on; ``published_at`` stays NULL until the
    broker confirmed every subscriber's message, so the sweeper finds what was left behind.
    """

    __tablename__ = "outbox"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict] = mapped_column(JSONB)
    request_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        OUTBOX_MODELS[cls.__bind_key__] = cls

    @declared_attr.directive
    def __table_args__(cls):
        # Only unpublished rows are ever scanned: a partial index keeps that scan tiny.
        return (
            Index(
                "ix_outbox_unpublished",
                "created_at",
                postgresql_where=text("published_at IS NULL"),
            ),
        )


class ProcessedEventMixin:
    """One row per (event, consumer) handled: delivery is at least once, effects once."""

    __tablename__ = "processed_events"

    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    consumer: Mapped[str] = mapped_column(String(120), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        PROCESSED_EVENT_MODELS[cls.__bind_key__] = cls


REVOCATION_MODELS: dict[str, type] = {}


class RevocationMixin:
    """Revoked sessions, as each service knows them (auth writes its own, the others
    replicate ``auth.sessions_revoked``). Checked on every token verification.

    ``subject`` is ``"sid:<session id>"`` (that session's tokens are revoked) or
    ``"user:<id>"`` (the user's tokens whose session epoch ``sev`` is below ``min_epoch``
    are revoked: deactivation, password reset). Rows outlive the longest access token,
    then ``expires_at`` lets them be pruned. ``cache_seconds`` overrides how long a
    process may answer from its in-memory copy (auth sets 0: it reads its own table).
    """

    __tablename__ = "revocations"
    cache_seconds: ClassVar[float | None] = None

    subject: Mapped[str] = mapped_column(String(80), primary_key=True)
    min_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        REVOCATION_MODELS[cls.__bind_key__] = cls


LIVE_SOCKET_MODELS: dict[str, type] = {}


class LiveSocketMixin:
    """One open WebSocket of a service with live routes, counted for the per-user cap.

    ``process`` is the ``application_name`` of the owning process's LISTEN connection: a
    row whose process PostgreSQL no longer lists belongs to a process that died and no
    longer counts (common/live/registry.py), so a crash never locks anyone out.
    """

    __tablename__ = "live_sockets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(index=True)
    process: Mapped[str] = mapped_column(String(63))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        LIVE_SOCKET_MODELS[cls.__bind_key__] = cls
