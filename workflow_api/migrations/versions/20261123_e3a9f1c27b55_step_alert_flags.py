"""tasks.step_warned, tasks.step_breached: SLA alerts once per visit of a step

Revision ID: e3a9f1c27b55
Revises: c6c2b99e3763
Create Date: 2026-11-23 08:45:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "e3a9f1c27b55"
down_revision = "c6c2b99e3763"
branch_labels = None
depends_on = None


def upgrade():
    for column in ("step_warned", "step_breached"):
        op.add_column(
            "tasks", sa.Column(column, sa.Boolean(), server_default="false", nullable=False)
        )


def downgrade():
    for column in ("step_breached", "step_warned"):
        op.drop_column("tasks", column)
