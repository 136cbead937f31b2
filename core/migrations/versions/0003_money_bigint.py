"""Money columns become 64-bit (BigInteger): minor units over 2^31 (21,474,836.47 EUR) must fit on PostgreSQL.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS = {
    "ticket_definitions": ["price_minor"],
    "tickets": ["price_minor"],
    "orders": ["total_minor"],
    "payments": ["amount_minor", "tendered_minor", "change_minor"],
}


def _retype(old, new) -> None:
    # batch mode rebuilds the table on SQLite (whose INTEGER is 64-bit already; the declared type is
    # changed so the schema matches the models) and is a plain ALTER COLUMN on PostgreSQL.
    for table, cols in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for col in cols:
                batch.alter_column(col, type_=new(), existing_type=old())


def upgrade() -> None:
    _retype(sa.Integer, sa.BigInteger)


def downgrade() -> None:
    _retype(sa.BigInteger, sa.Integer)
