"""live sockets: the per-user cap on open WebSockets, counted across processes

Revision ID: 8c3f0b6d2e41
Revises: a42fd24ebb4e
Create Date: 2026-11-25 13:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "8c3f0b6d2e41"
down_revision = "a42fd24ebb4e"
branch_labels = None
depends_on = None


def upgrade():
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


def downgrade():
    op.drop_index(op.f("ix_live_sockets_user_id"), table_name="live_sockets")
    op.drop_table("live_sockets")
