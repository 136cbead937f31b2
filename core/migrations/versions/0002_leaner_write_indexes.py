"""Leaner indexes on the two tables every door scan writes (checkins, outbox).

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("checkins") as batch:
        batch.drop_index("ix_checkins_event_id")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_event_id")
        batch.drop_index("ix_outbox_entity_key")
        batch.drop_index("ix_outbox_state")
        batch.create_index("ix_outbox_state_event", ["state", "event_id"])
        batch.create_index("ix_outbox_entity_state", ["entity_key", "state"])


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_entity_state")
        batch.drop_index("ix_outbox_state_event")
        batch.create_index("ix_outbox_state", ["state"])
        batch.create_index("ix_outbox_entity_key", ["entity_key"])
        batch.create_index("ix_outbox_event_id", ["event_id"])
    with op.batch_alter_table("checkins") as batch:
        batch.create_index("ix_checkins_event_id", ["event_id"])
