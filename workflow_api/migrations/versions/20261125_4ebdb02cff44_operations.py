"""operations: failure journal, heartbeats and the append-only operators' audit

Revision ID: 4ebdb02cff44
Revises: e3a9f1c27b55
Create Date: 2026-11-25 16:00:00
"""

from common.shared_tables import create_operations_tables, drop_operations_tables

revision = "4ebdb02cff44"
down_revision = "e3a9f1c27b55"
branch_labels = None
depends_on = None


def upgrade():
    create_operations_tables()


def downgrade():
    drop_operations_tables()
