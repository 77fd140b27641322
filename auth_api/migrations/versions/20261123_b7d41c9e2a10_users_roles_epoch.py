"""users.roles_epoch: role changes reach live access tokens

Revision ID: b7d41c9e2a10
Revises: 80c22e44b75e
Create Date: 2026-11-23 08:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "b7d41c9e2a10"
down_revision = "80c22e44b75e"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "users", sa.Column("roles_epoch", sa.Integer(), server_default="0", nullable=False)
    )


def downgrade():
    op.drop_column("users", "roles_epoch")
