"""operations: failure journal, heartbeats and the append-only operators' audit

Revision ID: b0cf7a20d55e
Revises: 8c3f0b6d2e41
Create Date: 2026-11-25 16:00:00
"""

from common.shared_tables import create_operations_tables, drop_operations_tables

revision = "b0cf7a20d55e"
down_revision = "8c3f0b6d2e41"
branch_labels = None
depends_on = None


def upgrade():
    create_operations_tables()


def downgrade():
    drop_operations_tables()
