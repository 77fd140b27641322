"""workflow_api's tables (database ``tts_workflow``).

``RoleHolder`` is a replica of auth_api's role grants, kept by events; workflow_api never
reads the auth database. A workflow is edited as a draft definition (JSON) and published as
immutable versions; a task runs on the version it started with.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
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

BIND = "workflow"


class ReplicaRole(db.Model):
    """auth_api's roles, as the last ``roles.sync`` of each said (deleted ones kept as
    tombstones, so a late older event cannot bring them back)."""

    __bind_key__ = BIND
    __tablename__ = "replica_roles"

    role_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    system: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    source_version: Mapped[int] = mapped_column(Integer, default=0)


class RoleHolder(db.Model):
    """One auth_api grant (``grant_id``). Its role's system and name come from the newest
    role event when one arrived, else from the grant event: a holder that arrives before
    its role is kept, and takes the role's name when the role arrives."""

    __bind_key__ = BIND
    __tablename__ = "role_holders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grant_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    role_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # The grant itself is revoked or deleted (kept as a tombstone for ordering).
    grant_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    system: Mapped[str] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    user_name: Mapped[str] = mapped_column(String(200))
    user_email: Mapped[str] = mapped_column(String(254))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    deployed: Mapped[bool] = mapped_column(Boolean, default=True)
    # auth_api's grant version: an update older than what we hold is ignored.
    source_version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    @property
    def eligible(self) -> bool:
        return self.is_active and self.deployed


class Workflow(db.Model):
    __bind_key__ = BIND
    __tablename__ = "workflows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # What it matches (not versioned: a change applies to the next ticket routed).
    department: Mapped[str | None] = mapped_column(String(50))
    category: Mapped[str | None] = mapped_column(String(100))
    subcategory: Mapped[str | None] = mapped_column(String(100))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # The editable definition: steps, transitions, SLA hours per priority, calendar.
    draft: Mapped[dict] = mapped_column(JSONB, default=dict)
    current_version: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class WorkflowVersion(db.Model):
    """A published, frozen definition. Never updated: tasks point at the one they started on."""

    __bind_key__ = BIND
    __tablename__ = "workflow_versions"
    __table_args__ = (
        UniqueConstraint("workflow_id", "number", name="uq_workflow_versions_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workflow_id: Mapped[int] = mapped_column(ForeignKey("workflows.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict] = mapped_column(JSONB)
    published_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    published_by: Mapped[int | None] = mapped_column(Integer)

    workflow: Mapped[Workflow] = relationship(lazy="joined")


class StepPointer(db.Model):
    """Round-robin pointer of one step (or its escalation): the user last given work there.
    Locked with SELECT ... FOR UPDATE while it moves, so concurrent workers never hand out
    the same slot twice."""

    __bind_key__ = BIND
    __tablename__ = "step_pointers"

    workflow_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    step_key: Mapped[str] = mapped_column(String(120), primary_key=True)
    last_user_id: Mapped[int | None] = mapped_column(Integer)


class Task(db.Model):
    __bind_key__ = BIND
    __tablename__ = "tasks"
    __table_args__ = (
        # "My open tasks, newest first": answered by the index, without a sort.
        Index("ix_tasks_assignee_id_desc", "assignee_id", text("id DESC")),
        Index("ix_tasks_status", "status", postgresql_where=text("status <> 'completed'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # One task per ticket: a second delivery of the same tickets.opened cannot add another.
    ticket_id: Mapped[int] = mapped_column(Integer, unique=True)
    ticket_number: Mapped[int | None] = mapped_column(Integer)
    ticket_subject: Mapped[str] = mapped_column(String(200), default="")
    requester_id: Mapped[int | None] = mapped_column(Integer)
    priority: Mapped[str] = mapped_column(String(20))
    workflow_id: Mapped[int] = mapped_column(ForeignKey("workflows.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("workflow_versions.id"))
    step_key: Mapped[str] = mapped_column(String(120))
    # unassigned | assigned | on_hold | completed | cancelled
    status: Mapped[str] = mapped_column(String(20), default="unassigned")
    assignee_id: Mapped[int | None] = mapped_column(Integer)
    assignee_name: Mapped[str | None] = mapped_column(String(200))
    # Bumped on every change: acting with a stale version is a 409.
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    first_assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # SLA of the whole ticket and of the current step, in business hours (see sla.py).
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    step_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    step_budget_hours: Mapped[float | None] = mapped_column(Float)
    step_spent_hours: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    step_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paused_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    due_remaining_hours: Mapped[float | None] = mapped_column(Float)
    breached: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # Whether this visit of the current step has had its warning / breach sent (entering
    # a step clears both): a hold and a resume neither repeat nor lose them.
    step_warned: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    step_breached: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    escalations: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    transfers: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    # Loaded when a task is worked on, never for lists (definitions are large).
    version: Mapped[WorkflowVersion] = relationship(lazy="select")

    @property
    def sla_outcome(self) -> dict | None:
        """A completed task's SLA: met when it finished by the ticket's due time (as the
        reports count it), and by how many minutes, of the clock, it had to spare or was
        late. None while it runs, or when it ended without being completed."""
        if self.status != "completed" or self.completed_at is None or self.due_at is None:
            return None
        margin = (self.due_at - self.completed_at).total_seconds()
        return {"met": margin >= 0, "margin_minutes": round(abs(margin) / 60)}


class TaskAssignment(db.Model):
    """Each time a task is given to someone, a new row: the same person may get it again."""

    __bind_key__ = BIND
    __tablename__ = "task_assignments"
    __table_args__ = (Index("ix_task_assignments_task", "task_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    step_key: Mapped[str] = mapped_column(String(120))
    user_id: Mapped[int] = mapped_column(Integer)
    user_name: Mapped[str] = mapped_column(String(200))
    origin: Mapped[str] = mapped_column(String(20))  # system | transfer | escalation | manual
    assigned_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(20))


class TaskEvent(db.Model):
    """The audit trail of a task: every action, by whom, with notes."""

    __bind_key__ = BIND
    __tablename__ = "task_events"
    __table_args__ = (Index("ix_task_events_task", "task_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    from_step: Mapped[str | None] = mapped_column(String(120))
    to_step: Mapped[str | None] = mapped_column(String(120))
    notes: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSONB, default=dict)


class SlaTimer(db.Model):
    """A warning or breach due at a moment; swept by the scheduler with SKIP LOCKED."""

    __bind_key__ = BIND
    __tablename__ = "sla_timers"
    __table_args__ = (
        Index(
            "ix_sla_timers_due",
            "due_at",
            postgresql_where=text("fired_at IS NULL AND cancelled_at IS NULL"),
        ),
        Index("ix_sla_timers_task", "task_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # warning | breach
    step_key: Mapped[str] = mapped_column(String(120))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    fired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WorkflowAudit(db.Model):
    __bind_key__ = BIND
    __tablename__ = "workflow_audit"
    __table_args__ = (Index("ix_workflow_audit_workflow", "workflow_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    workflow_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    changes: Mapped[dict] = mapped_column(JSONB, default=dict)


class UnroutedTicket(db.Model):
    """A ticket no workflow matched: listed for coordinators until one routes it."""

    __bind_key__ = BIND
    __tablename__ = "unrouted_tickets"

    ticket_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ticket: Mapped[dict] = mapped_column(JSONB)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    routed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class EndedTicket(db.Model):
    """A ticket that ended (withdrawn, rejected, ...) before it had a task: its late or
    redelivered tickets.opened must not start one."""

    __bind_key__ = BIND
    __tablename__ = "ended_tickets"

    ticket_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class WorkflowOutbox(OutboxMixin, db.Model):
    __bind_key__ = BIND


class WorkflowProcessedEvent(ProcessedEventMixin, db.Model):
    __bind_key__ = BIND


class WorkflowRevocation(RevocationMixin, db.Model):
    __bind_key__ = BIND


class WorkflowJobFailure(JobFailureMixin, db.Model):
    __bind_key__ = BIND


class WorkflowHeartbeat(HeartbeatMixin, db.Model):
    __bind_key__ = BIND


class WorkflowOpsAudit(OpsAuditMixin, db.Model):
    __bind_key__ = BIND
