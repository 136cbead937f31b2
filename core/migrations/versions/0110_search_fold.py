"""Guest search ignores accents (core.textsearch_fold): the FTS5 trigram indexes of migration 0101 hold every
searched column *folded* ('Jürgen' is indexed as 'jurgen', 'Straße' as 'strasse'), so an unaccented word
finds accented names through the index. This rebuilds both indexes on an existing ledger from the stored rows
(core.textsearch_index.rebuild, inside the upgrade's transaction); what the index found before it still finds.
The key tables' `odd` column is no longer written (left '', no table is rebuilt). PostgreSQL (the hub) has no
index: its search folds in SQL (core.textsearch_fold.fold_pg), nothing to migrate.

Revision ID: 0110
Revises: 0109
"""
from alembic import op

from core import textsearch_index

revision = "0110"
down_revision = "0109"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("UPDATE ticket_search_keys SET odd = '' WHERE odd != ''")
    op.execute("UPDATE order_search_keys SET odd = '' WHERE odd != ''")
    textsearch_index.rebuild(op.get_bind().connection.driver_connection)


def downgrade() -> None:
    # Not undone (Tessera never downgrades: an older version refuses a newer ledger, core.schema). The index
    # stays folded, which an older search would not find accented words in; upgrading again rebuilds it.
    pass
