"""Tables every service keeps alike, each created by one function that every service's
migration calls: a change to them is written once, not five times.

The operations tables (common/ops: the failure journal, heartbeats and the operators'
audit) live in each service's database; the live sockets table in each live service's.
A function here is what migrations already ran: change a shared table with a new
function and a new migration in each service, never by editing one below.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


def create_operations_tables() -> None:
    op.create_table(
        "job_failures",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.String(length=36), nullable=False),
        sa.Column("event_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("queue", sa.String(length=60), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("exception", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("traceback", sa.Text(), nullable=False),
        sa.Column(
            "failed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("next_retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dead_lettered", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("resolution", sa.String(length=20), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_failures")),
    )
    op.create_index(op.f("ix_job_failures_message_id"), "job_failures", ["message_id"])
    op.create_index(op.f("ix_job_failures_failed_at"), "job_failures", ["failed_at"])
    op.create_index(
        "ix_job_failures_open_dead_letters",
        "job_failures",
        ["failed_at"],
        postgresql_where=sa.text("dead_lettered AND resolution IS NULL"),
    )
    op.create_table(
        "heartbeats",
        sa.Column("process", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("queues", sa.String(length=200), server_default="", nullable=False),
        sa.Column("hostname", sa.String(length=100), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("in_flight", sa.Integer(), server_default="0", nullable=False),
        sa.Column("oldest_job_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("process", name=op.f("pk_heartbeats")),
    )
    op.create_table(
        "ops_audit",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("result", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ops_audit")),
    )
    # Append-only: what operators did stays on record, whoever holds the database login.
    op.execute(
        """
        CREATE FUNCTION ops_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'ops_audit is append-only';
        END $$;
        CREATE TRIGGER ops_audit_append_only BEFORE UPDATE OR DELETE ON ops_audit
            FOR EACH STATEMENT EXECUTE FUNCTION ops_audit_append_only();
        """
    )


def drop_operations_tables() -> None:
    op.execute("DROP TRIGGER ops_audit_append_only ON ops_audit")
    op.execute("DROP FUNCTION ops_audit_append_only()")
    op.drop_table("ops_audit")
    op.drop_table("heartbeats")
    op.drop_index("ix_job_failures_open_dead_letters", table_name="job_failures")
    op.drop_index(op.f("ix_job_failures_failed_at"), table_name="job_failures")
    op.drop_index(op.f("ix_job_failures_message_id"), table_name="job_failures")
    op.drop_table("job_failures")


def create_live_sockets_table() -> None:
    op.create_table(
        "live_sockets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("process", sa.String(length=63), nullable=False),
        sa.Column(
            "opened_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_sockets")),
    )
    op.create_index(op.f("ix_live_sockets_user_id"), "live_sockets", ["user_id"], unique=False)


def drop_live_sockets_table() -> None:
    op.drop_index(op.f("ix_live_sockets_user_id"), table_name="live_sockets")
    op.drop_table("live_sockets")
