"""live sockets: the per-user cap on open WebSockets, counted across processes

Revision ID: 8c3f0b6d2e41
Revises: a42fd24ebb4e
Create Date: 2026-11-25 13:30:00
"""

from common.shared_tables import create_live_sockets_table, drop_live_sockets_table

revision = "8c3f0b6d2e41"
down_revision = "a42fd24ebb4e"
branch_labels = None
depends_on = None


def upgrade():
    create_live_sockets_table()


def downgrade():
    drop_live_sockets_table()
