"""Short words in guest search (issue 11): a word of 1–2 characters matches the start of a first or last
name (guest or buyer) or of a ticket or order number (core.textsearch.starts, core.tickets._word_rule);
these B-tree indexes on the names answer it with ranges (the numbers have theirs already).

Revision ID: 0109
Revises: 0108
"""
from alembic import op

revision = "0109"
down_revision = "0108"
branch_labels = None
depends_on = None

INDEXES = (("ix_tickets_guest_first_name", "tickets", "guest_first_name"),
           ("ix_tickets_guest_last_name", "tickets", "guest_last_name"),
           ("ix_orders_first_name", "orders", "first_name"),
           ("ix_orders_last_name", "orders", "last_name"))


def upgrade() -> None:
    for name, table, column in INDEXES:
        op.create_index(name, table, [column])


def downgrade() -> None:
    for name, table, _column in INDEXES:
        op.drop_index(name, table_name=table)
