"""operations: failure journal, heartbeats and the append-only operators' audit

Revision ID: fb015f46bb03
Revises: 5d1e2c7a9b30
Create Date: 2026-11-25 16:00:00
"""

from common.shared_tables import create_operations_tables, drop_operations_tables

revision = "fb015f46bb03"
down_revision = "5d1e2c7a9b30"
branch_labels = None
depends_on = None


def upgrade():
    create_operations_tables()


def downgrade():
    drop_operations_tables()
