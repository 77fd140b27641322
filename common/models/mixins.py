"""Tables every service has in its own database: the outbox and the consumed-events log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from sqlalchemy import BigInteger, DateTime, Index, String, Text, func, text
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


JOB_FAILURE_MODELS: dict[str, type] = {}


class JobFailureMixin:
    """One failed attempt of a background job, in the failing service's own database.

    Written by the failure journal (common/ops/journal.py) in a transaction of its own, so
    it survives the job's rollback, and kept after RabbitMQ drops a dead letter: operators
    read failures here, never by consuming queues. ``detail`` and ``traceback`` are
    redacted (no email addresses or tokens); the job's arguments are never stored.
    ``resolution`` records what an operator did with a dead letter (requeued, discarded).
    """

    __tablename__ = "job_failures"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(36), index=True)
    event_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    actor: Mapped[str] = mapped_column(String(120))
    queue: Mapped[str] = mapped_column(String(60))
    attempt: Mapped[int]
    exception: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text)
    traceback: Mapped[str] = mapped_column(Text)
    failed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    next_retry_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dead_lettered: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    resolution: Mapped[str | None] = mapped_column(String(20))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[str | None] = mapped_column(String(200))

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        JOB_FAILURE_MODELS[cls.__bind_key__] = cls

    @declared_attr.directive
    def __table_args__(cls):
        # The dead letters still waiting for an operator: a tiny partial index.
        return (
            Index(
                "ix_job_failures_open_dead_letters",
                "failed_at",
                postgresql_where=text("dead_lettered AND resolution IS NULL"),
            ),
        )


HEARTBEAT_MODELS: dict[str, type] = {}


class HeartbeatMixin:
    """The last sign of life of a worker process or a scheduler, per service it serves.

    A process beats every few seconds (common/ops/heartbeats.py) from a thread that also
    reports how many jobs it is running and since when the oldest one runs, so a worker
    whose threads all hang looks stuck, not alive. A row whose ``beat_at`` is stale
    belongs to a process that died or hangs.
    """

    __tablename__ = "heartbeats"

    process: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    queues: Mapped[str] = mapped_column(String(200), default="", server_default="")
    hostname: Mapped[str] = mapped_column(String(100))
    pid: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    beat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    in_flight: Mapped[int] = mapped_column(default=0, server_default="0")
    oldest_job_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        HEARTBEAT_MODELS[cls.__bind_key__] = cls


OPS_AUDIT_MODELS: dict[str, type] = {}


class OpsAuditMixin:
    """What operators did to background jobs: who, what, target, count, reason, result.

    Append-only: a trigger (in the migration) refuses every UPDATE and DELETE (TRUNCATE,
    the owner's reset of a whole database, stays possible).
    """

    __tablename__ = "ops_audit"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(200))
    count: Mapped[int] = mapped_column(default=0, server_default="0")
    reason: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str] = mapped_column(String(200))

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        OPS_AUDIT_MODELS[cls.__bind_key__] = cls
