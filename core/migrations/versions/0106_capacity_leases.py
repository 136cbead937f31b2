"""Capacity leases (issue 10 item 6): `lease_blocks` (the organiser's block size per definition or event),
`capacity_leases` (the hub's book of leases per station) and `held_leases` (the leases a station holds).
New tables only: existing rows are untouched.

Revision ID: 0106
Revises: 0105
"""
import sqlalchemy as sa
from alembic import op

from core.models import UTCDateTime

revision = "0106"
down_revision = "0105"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lease_blocks",
        sa.Column("scope_id", sa.String(36), primary_key=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("block", sa.Integer(), nullable=False),
    )
    op.create_index("ix_lease_blocks_event_id", "lease_blocks", ["event_id"])
    op.create_table(
        "capacity_leases",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("definition_id", sa.String(36), nullable=False),
        sa.Column("station", sa.String(64), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("expires", UTCDateTime(), nullable=False),
        sa.Column("updated", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("station", "definition_id", name="uq_capacity_leases_station_def"),
    )
    op.create_index("ix_capacity_leases_event_id", "capacity_leases", ["event_id"])
    op.create_table(
        "held_leases",
        sa.Column("definition_id", sa.String(36), primary_key=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("lease_id", sa.String(36), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("block", sa.Integer(), nullable=False),
        sa.Column("expires", UTCDateTime(), nullable=False),
        sa.Column("synced", UTCDateTime(), nullable=False),
        sa.Column("pool_leased", sa.Integer(), nullable=False),
        sa.Column("pool_left", sa.Integer(), nullable=True),
    )
    op.create_index("ix_held_leases_event_id", "held_leases", ["event_id"])


def downgrade() -> None:
    op.drop_index("ix_held_leases_event_id", "held_leases")
    op.drop_table("held_leases")
    op.drop_index("ix_capacity_leases_event_id", "capacity_leases")
    op.drop_table("capacity_leases")
    op.drop_index("ix_lease_blocks_event_id", "lease_blocks")
    op.drop_table("lease_blocks")
