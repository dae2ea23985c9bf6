"""order_lines.note: what a member wrote beside an order (A+1 不要辣)

Revision ID: 0010_order_line_note
Revises: 0009_item_tiers_caps
Create Date: 2026-12-07 07:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0010_order_line_note'
down_revision: str | None = '0009_item_tiers_caps'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_column('note')
