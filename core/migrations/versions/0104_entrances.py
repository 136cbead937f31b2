"""Entrances and exits (issue 9 items 7–8): an `entrances` table (check-in lists: name, admitted ticket
definitions — empty = all —, direction ENTRY or EXIT) per event; each check-in row keeps the entrance it was
made at (`entrance_id`, nullable: NULL = no entrance chosen) and its `direction` (ENTRY, the default of every
existing row, or EXIT); an event may set the most people inside at once (`max_inside`, nullable = no alarm).

Revision ID: 0104
Revises: 0102
"""
import sqlalchemy as sa
from alembic import op

from core.models import UTCDateTime

revision = "0104"
down_revision = "0102"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "entrances",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("event_id", sa.String(36), sa.ForeignKey("events.id"), nullable=False, index=True),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("definition_ids", sa.JSON(), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False, server_default="ENTRY"),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.Column("updated", UTCDateTime(), nullable=False),
    )
    with op.batch_alter_table("checkins") as batch:
        batch.add_column(sa.Column("entrance_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("direction", sa.String(8), nullable=False, server_default="ENTRY"))
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("max_inside", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("max_inside")
    with op.batch_alter_table("checkins") as batch:
        batch.drop_column("direction")
        batch.drop_column("entrance_id")
    op.drop_table("entrances")
