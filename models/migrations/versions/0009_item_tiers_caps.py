"""items: bundle prices (tiers), a per-member cap and a minimum to go ahead

Revision ID: 0009_item_tiers_caps
Revises: 0008_inbox_by_chat
Create Date: 2026-12-07 07:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0009_item_tiers_caps'
down_revision: str | None = '0008_inbox_by_chat'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tiers', sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('per_member_limit', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('minimum', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('minimum')
        batch_op.drop_column('per_member_limit')
        batch_op.drop_column('tiers')
