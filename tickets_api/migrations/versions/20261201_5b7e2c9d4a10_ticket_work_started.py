"""tickets.work_started_at: when someone first worked on a ticket

An in_progress ticket nobody has worked on yet reads "Assigned" in the web UI. Tickets
from before are given the moment their history shows work: the first staff reply, the
task moved on a step (its step changed after the first assignment), or a hold.

Revision ID: 5b7e2c9d4a10
Revises: 8d82e5d95ccc
Create Date: 2026-12-01 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "5b7e2c9d4a10"
down_revision = "8d82e5d95ccc"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "tickets", sa.Column("work_started_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.execute(
        """
        UPDATE tickets SET work_started_at = worked.at
        FROM (
            SELECT t.id, least(t.first_response_at, min(h.at)) AS at
            FROM tickets t
            LEFT JOIN ticket_history h ON h.ticket_id = t.id AND (
                h.action = 'hold'
                OR (h.field = 'current_step' AND h.old_value IS NOT NULL
                    AND h.old_value <> 'null'::jsonb)
            )
            GROUP BY t.id
        ) AS worked
        WHERE tickets.id = worked.id AND worked.at IS NOT NULL
        """
    )


def downgrade():
    op.drop_column("tickets", "work_started_at")
