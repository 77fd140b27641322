"""ended tickets

Revision ID: c6c2b99e3763
Revises: 698acf3cf2a4
Create Date: 2026-11-23 07:04:31.920833
"""

import sqlalchemy as sa
from alembic import op

revision = "c6c2b99e3763"
down_revision = "698acf3cf2a4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ended_tickets",
        sa.Column("ticket_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column(
            "ended_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_ended_tickets")),
    )


def downgrade():
    op.drop_table("ended_tickets")
