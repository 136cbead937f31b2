"""Till sessions (issue 10 item 3): `till_sessions` (float, counted and expected cash per currency) and
`till_voids` (money handed back for a voided sale). New tables only: existing rows are untouched.

Revision ID: 0105
Revises: 0104
"""
import sqlalchemy as sa
from alembic import op

from core.models import UTCDateTime

revision = "0105"
down_revision = "0104"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "till_sessions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("event_id", sa.String(36), sa.ForeignKey("events.id"), nullable=False),
        sa.Column("station", sa.String(64), nullable=False),
        sa.Column("operator", sa.String(64), nullable=False),
        sa.Column("opened", UTCDateTime(), nullable=False),
        sa.Column("closed", UTCDateTime(), nullable=True),
        sa.Column("floats", sa.JSON(), nullable=False),
        sa.Column("counted", sa.JSON(), nullable=True),
        sa.Column("expected", sa.JSON(), nullable=True),
    )
    op.create_index("ix_till_sessions_event_id", "till_sessions", ["event_id"])
    op.create_table(
        "till_voids",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("till_id", sa.String(36), sa.ForeignKey("till_sessions.id"), nullable=False),
        sa.Column("order_number", sa.String(36), sa.ForeignKey("orders.order_number"), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("created", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_till_voids_till_id", "till_voids", ["till_id"])


def downgrade() -> None:
    op.drop_index("ix_till_voids_till_id", "till_voids")
    op.drop_table("till_voids")
    op.drop_index("ix_till_sessions_event_id", "till_sessions")
    op.drop_table("till_sessions")
