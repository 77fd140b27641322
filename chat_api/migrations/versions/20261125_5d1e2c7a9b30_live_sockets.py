"""live sockets: the per-user cap on open WebSockets, counted across processes

Revision ID: 5d1e2c7a9b30
Revises: 197089b3cad8
Create Date: 2026-11-25 13:30:00
"""

from common.shared_tables import create_live_sockets_table, drop_live_sockets_table

revision = "5d1e2c7a9b30"
down_revision = "197089b3cad8"
branch_labels = None
depends_on = None


def upgrade():
    create_live_sockets_table()


def downgrade():
    drop_live_sockets_table()
