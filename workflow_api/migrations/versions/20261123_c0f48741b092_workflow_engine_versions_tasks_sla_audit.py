"""Workflow engine: versioned definitions, tasks, assignments, SLA timers, audit

Revision ID: c0f48741b092
Revises: 5eff9a602fe2
Create Date: 2026-11-23 06:16:51.932712
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "c0f48741b092"
down_revision = "5eff9a602fe2"
branch_labels = None
depends_on = None


def upgrade():
    # The skeleton's single-step workflows, and the tasks that ran on them, cannot be
    # expressed as versioned definitions: they go, and `tts seed workflows` (part of
    # `tts seed demo`) recreates the defaults as published versions.
    op.execute("DELETE FROM tasks")
    op.execute("DELETE FROM workflows")
    op.drop_constraint(op.f("fk_tasks_step_id_steps"), "tasks", type_="foreignkey")
    op.drop_table("steps")
    op.create_table(
        "step_pointers",
        sa.Column("workflow_id", sa.Integer(), nullable=False),
        sa.Column("step_key", sa.String(length=120), nullable=False),
        sa.Column("last_user_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("workflow_id", "step_key", name=op.f("pk_step_pointers")),
    )
    op.create_table(
        "unrouted_tickets",
        sa.Column("ticket_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("ticket", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("routed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_unrouted_tickets")),
    )
    op.create_table(
        "workflow_audit",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("workflow_id", sa.Integer(), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflow_audit")),
    )
    op.create_index(
        "ix_workflow_audit_workflow", "workflow_audit", ["workflow_id", "id"], unique=False
    )
    op.create_table(
        "workflow_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workflow_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("definition", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "published_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("published_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["workflow_id"],
            ["workflows.id"],
            name=op.f("fk_workflow_versions_workflow_id_workflows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflow_versions")),
        sa.UniqueConstraint("workflow_id", "number", name="uq_workflow_versions_number"),
    )
    op.create_table(
        "sla_timers",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("step_key", sa.String(length=120), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_sla_timers_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_timers")),
    )
    op.create_index(
        "ix_sla_timers_due",
        "sla_timers",
        ["due_at"],
        unique=False,
        postgresql_where=sa.text("fired_at IS NULL AND cancelled_at IS NULL"),
    )
    op.create_index("ix_sla_timers_task", "sla_timers", ["task_id"], unique=False)
    op.create_table(
        "task_assignments",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("step_key", sa.String(length=120), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("user_name", sa.String(length=200), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column(
            "assigned_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["tasks.id"],
            name=op.f("fk_task_assignments_task_id_tasks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_assignments")),
    )
    op.create_index("ix_task_assignments_task", "task_assignments", ["task_id", "id"], unique=False)
    op.create_table(
        "task_events",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("from_step", sa.String(length=120), nullable=True),
        sa.Column("to_step", sa.String(length=120), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_task_events_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_events")),
    )
    op.create_index("ix_task_events_task", "task_events", ["task_id", "id"], unique=False)
    op.add_column("tasks", sa.Column("requester_id", sa.Integer(), nullable=True))
    op.add_column("tasks", sa.Column("version_id", sa.Integer(), nullable=False))
    op.add_column("tasks", sa.Column("step_key", sa.String(length=120), nullable=False))
    op.add_column("tasks", sa.Column("revision", sa.Integer(), server_default="1", nullable=False))
    op.add_column(
        "tasks",
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
    )
    op.add_column(
        "tasks", sa.Column("first_assigned_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "tasks", sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("tasks", sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("tasks", sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("tasks", sa.Column("step_started_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("tasks", sa.Column("step_budget_hours", sa.Float(), nullable=True))
    op.add_column(
        "tasks", sa.Column("step_spent_hours", sa.Float(), server_default="0", nullable=False)
    )
    op.add_column("tasks", sa.Column("step_due_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("tasks", sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("tasks", sa.Column("due_remaining_hours", sa.Float(), nullable=True))
    op.add_column(
        "tasks", sa.Column("breached", sa.Boolean(), server_default="false", nullable=False)
    )
    op.add_column(
        "tasks", sa.Column("escalations", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column("tasks", sa.Column("transfers", sa.Integer(), server_default="0", nullable=False))
    op.alter_column("tasks", "priority", existing_type=sa.VARCHAR(length=20), nullable=False)
    op.drop_index(op.f("ix_tasks_assignee_created"), table_name="tasks")
    op.create_index(
        "ix_tasks_assignee_id_desc",
        "tasks",
        ["assignee_id", sa.literal_column("id DESC")],
        unique=False,
    )
    op.create_index(
        "ix_tasks_status",
        "tasks",
        ["status"],
        unique=False,
        postgresql_where=sa.text("status <> 'completed'"),
    )
    op.create_foreign_key(
        op.f("fk_tasks_version_id_workflow_versions"),
        "tasks",
        "workflow_versions",
        ["version_id"],
        ["id"],
    )
    op.drop_column("tasks", "assigned_at")
    op.drop_column("tasks", "step_id")
    op.add_column(
        "workflows", sa.Column("archived", sa.Boolean(), server_default="false", nullable=False)
    )
    op.add_column(
        "workflows", sa.Column("draft", postgresql.JSONB(astext_type=sa.Text()), nullable=False)
    )
    op.add_column("workflows", sa.Column("current_version", sa.Integer(), nullable=True))
    op.add_column("workflows", sa.Column("created_by", sa.Integer(), nullable=True))
    op.add_column(
        "workflows",
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
    )


def downgrade():
    op.drop_column("workflows", "updated_at")
    op.drop_column("workflows", "created_by")
    op.drop_column("workflows", "current_version")
    op.drop_column("workflows", "draft")
    op.drop_column("workflows", "archived")
    op.add_column("tasks", sa.Column("step_id", sa.INTEGER(), autoincrement=False, nullable=False))
    op.add_column(
        "tasks",
        sa.Column(
            "assigned_at", postgresql.TIMESTAMP(timezone=True), autoincrement=False, nullable=True
        ),
    )
    op.drop_constraint(op.f("fk_tasks_version_id_workflow_versions"), "tasks", type_="foreignkey")
    op.create_foreign_key(op.f("fk_tasks_step_id_steps"), "tasks", "steps", ["step_id"], ["id"])
    op.drop_index(
        "ix_tasks_status", table_name="tasks", postgresql_where=sa.text("status <> 'completed'")
    )
    op.drop_index("ix_tasks_assignee_id_desc", table_name="tasks")
    op.create_index(
        op.f("ix_tasks_assignee_created"),
        "tasks",
        ["assignee_id", sa.literal_column("created_at DESC"), sa.literal_column("id DESC")],
        unique=False,
    )
    op.alter_column("tasks", "priority", existing_type=sa.VARCHAR(length=20), nullable=True)
    op.drop_column("tasks", "transfers")
    op.drop_column("tasks", "escalations")
    op.drop_column("tasks", "breached")
    op.drop_column("tasks", "due_remaining_hours")
    op.drop_column("tasks", "paused_at")
    op.drop_column("tasks", "step_due_at")
    op.drop_column("tasks", "step_spent_hours")
    op.drop_column("tasks", "step_budget_hours")
    op.drop_column("tasks", "step_started_at")
    op.drop_column("tasks", "due_at")
    op.drop_column("tasks", "completed_at")
    op.drop_column("tasks", "first_response_at")
    op.drop_column("tasks", "first_assigned_at")
    op.drop_column("tasks", "updated_at")
    op.drop_column("tasks", "revision")
    op.drop_column("tasks", "step_key")
    op.drop_column("tasks", "version_id")
    op.drop_column("tasks", "requester_id")
    op.create_table(
        "steps",
        sa.Column("id", sa.INTEGER(), autoincrement=True, nullable=False),
        sa.Column("workflow_id", sa.INTEGER(), autoincrement=False, nullable=False),
        sa.Column("name", sa.VARCHAR(length=100), autoincrement=False, nullable=False),
        sa.Column("position", sa.INTEGER(), autoincrement=False, nullable=False),
        sa.Column("role_system", sa.VARCHAR(length=20), autoincrement=False, nullable=False),
        sa.Column("role_name", sa.VARCHAR(length=100), autoincrement=False, nullable=False),
        sa.Column("instructions", sa.TEXT(), autoincrement=False, nullable=False),
        sa.Column("is_start", sa.BOOLEAN(), autoincrement=False, nullable=False),
        sa.Column("is_end", sa.BOOLEAN(), autoincrement=False, nullable=False),
        sa.Column("last_assignee_id", sa.INTEGER(), autoincrement=False, nullable=True),
        sa.ForeignKeyConstraint(
            ["workflow_id"],
            ["workflows.id"],
            name=op.f("fk_steps_workflow_id_workflows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_steps")),
        sa.UniqueConstraint(
            "workflow_id",
            "name",
            name=op.f("uq_steps_workflow_name"),
            postgresql_include=[],
            postgresql_nulls_not_distinct=False,
        ),
    )
    op.drop_index("ix_task_events_task", table_name="task_events")
    op.drop_table("task_events")
    op.drop_index("ix_task_assignments_task", table_name="task_assignments")
    op.drop_table("task_assignments")
    op.drop_index("ix_sla_timers_task", table_name="sla_timers")
    op.drop_index(
        "ix_sla_timers_due",
        table_name="sla_timers",
        postgresql_where=sa.text("fired_at IS NULL AND cancelled_at IS NULL"),
    )
    op.drop_table("sla_timers")
    op.drop_table("workflow_versions")
    op.drop_index("ix_workflow_audit_workflow", table_name="workflow_audit")
    op.drop_table("workflow_audit")
    op.drop_table("unrouted_tickets")
    op.drop_table("step_pointers")
