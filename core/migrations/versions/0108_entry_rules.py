"""Multi-entry rules (issue 9 item 9): each ticket definition says how often a ticket admits —
`entry_rule` ONCE (the default of every existing row: one stay at a time, today's rule), DAILY (once per
event-local day: multi-day passes) or MULTI (`max_entries` accepted entries in all; NULL for the others).
The rule itself lives in core.entry_rules and core.checkin_merge.

Revision ID: 0108
Revises: 0106
"""
import sqlalchemy as sa
from alembic import op

revision = "0108"
down_revision = "0106"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket_definitions") as batch:
        batch.add_column(sa.Column("entry_rule", sa.String(8), nullable=False, server_default="ONCE"))
        batch.add_column(sa.Column("max_entries", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ticket_definitions") as batch:
        batch.drop_column("max_entries")
        batch.drop_column("entry_rule")
