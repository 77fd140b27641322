"""workflow_api's tables (database ``tts_workflow``).

``RoleHolder`` is a replica of auth_api's role grants, kept by events; workflow_api never
reads the auth database.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from common.db import db
from common.models.mixins import OutboxMixin, ProcessedEventMixin

BIND = "workflow"


class RoleHolder(db.Model):
    __bind_key__ = BIND
    __tablename__ = "role_holders"
    __table_args__ = (
        UniqueConstraint("system", "role", "user_id", name="uq_role_holders_system_role_user"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
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
    department: Mapped[str | None] = mapped_column(String(50))
    category: Mapped[str | None] = mapped_column(String(100))
    subcategory: Mapped[str | None] = mapped_column(String(100))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    steps: Mapped[list[Step]] = relationship(
        back_populates="workflow", order_by="Step.position", lazy="selectin"
    )

    @property
    def start_step(self) -> Step | None:
        return next((step for step in self.steps if step.is_start), None)


class Step(db.Model):
    __bind_key__ = BIND
    __tablename__ = "steps"
    __table_args__ = (UniqueConstraint("workflow_id", "name", name="uq_steps_workflow_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workflow_id: Mapped[int] = mapped_column(ForeignKey("workflows.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)
    role_system: Mapped[str] = mapped_column(String(20))
    role_name: Mapped[str] = mapped_column(String(100))
    instructions: Mapped[str] = mapped_column(Text, default="")
    is_start: Mapped[bool] = mapped_column(Boolean, default=False)
    is_end: Mapped[bool] = mapped_column(Boolean, default=False)
    # Round-robin pointer: the user id last given work on this step (row-locked on use).
    last_assignee_id: Mapped[int | None] = mapped_column(Integer)

    workflow: Mapped[Workflow] = relationship(back_populates="steps")


class Task(db.Model):
    __bind_key__ = BIND
    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # One task per ticket: a second delivery of the same tickets.opened cannot add another.
    ticket_id: Mapped[int] = mapped_column(Integer, unique=True)
    ticket_number: Mapped[int | None] = mapped_column(Integer)
    ticket_subject: Mapped[str] = mapped_column(String(200), default="")
    priority: Mapped[str | None] = mapped_column(String(20))
    workflow_id: Mapped[int] = mapped_column(ForeignKey("workflows.id"))
    step_id: Mapped[int] = mapped_column(ForeignKey("steps.id"))
    assignee_id: Mapped[int | None] = mapped_column(Integer)
    assignee_name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="assigned")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    step: Mapped[Step] = relationship(lazy="joined")


# An agent's list is "my open tasks, newest first": this index answers it without a sort.
db.Index("ix_tasks_assignee_created", Task.assignee_id, Task.created_at.desc(), Task.id.desc())


class WorkflowOutbox(OutboxMixin, db.Model):
    __bind_key__ = BIND


class WorkflowProcessedEvent(ProcessedEventMixin, db.Model):
    __bind_key__ = BIND
