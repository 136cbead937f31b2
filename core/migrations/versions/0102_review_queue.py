"""Review queue and payment identity (issue 8 items 7 and 12): the `review_queue` table keeps what a person must
look at after a sync, once per fact (unique `key`), until acknowledged (rows kept: audit); `payments` gains
`payment_id` (uuid naming the payment on the hub, unique; NULL for older rows) and `operator`.

Revision ID: 0102
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

from core.models import UTCDateTime

revision = "0102"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_queue",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("entity", sa.String(64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("happened", UTCDateTime(), nullable=True),
        sa.Column("raised", UTCDateTime(), nullable=False),
        sa.Column("acked_at", UTCDateTime(), nullable=True),
        sa.Column("acked_by", sa.String(64), nullable=False),
    )
    with op.batch_alter_table("review_queue") as batch:
        batch.create_index("ux_review_queue_key", ["key"], unique=True)
        batch.create_index("ix_review_queue_open", ["acked_at", "id"])
    with op.batch_alter_table("payments") as batch:
        batch.add_column(sa.Column("payment_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("operator", sa.String(64), nullable=True))
        batch.create_index("ux_payments_payment_id", ["payment_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("payments") as batch:
        batch.drop_index("ux_payments_payment_id")
        batch.drop_column("operator")
        batch.drop_column("payment_id")
    op.drop_table("review_queue")
