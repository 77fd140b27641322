"""operations: failure journal, heartbeats and the append-only operators' audit

Revision ID: 8d82e5d95ccc
Revises: 31c558e48e11
Create Date: 2026-11-25 16:00:00
"""

from common.shared_tables import create_operations_tables, drop_operations_tables

revision = "8d82e5d95ccc"
down_revision = "31c558e48e11"
branch_labels = None
depends_on = None


def upgrade():
    create_operations_tables()


def downgrade():
    drop_operations_tables()
