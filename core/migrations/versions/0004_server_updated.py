"""Freshness (issue 8 item 4): events, ticket definitions and orders keep the server's own `updated` time as
last applied (`server_updated`, nullable: NULL = never seen from a server). A pulled entity older than it is
ignored. A separate column, because a station's local edits stamp `updated` with the device clock, which may
be skewed against the server's.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

from core.models import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = ("events", "ticket_definitions", "orders")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("server_updated", UTCDateTime(), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("server_updated")
