"""operations: failure journal, heartbeats and the append-only operators' audit

Revision ID: 594b4285e6a2
Revises: b7d41c9e2a10
Create Date: 2026-11-25 16:00:00
"""

from common.shared_tables import create_operations_tables, drop_operations_tables

revision = "594b4285e6a2"
down_revision = "b7d41c9e2a10"
branch_labels = None
depends_on = None


def upgrade():
    create_operations_tables()


def downgrade():
    drop_operations_tables()
