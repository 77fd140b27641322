"""ticket audiences: when a ticket last lost someone who could see it

Revision ID: 3b7c51e0a2d4
Revises: fb015f46bb03
Create Date: 2026-12-08 02:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "3b7c51e0a2d4"
down_revision = "fb015f46bb03"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ticket_audiences",
        sa.Column("ticket_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_ticket_audiences")),
    )


def downgrade():
    op.drop_table("ticket_audiences")
