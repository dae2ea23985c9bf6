"""items: variants (口味/尺寸) and stock per variant; order_lines: the variant, and who a line is for (代訂)

Revision ID: 0011_variants_for_others
Revises: 0010_order_line_note
Create Date: 2026-12-07 13:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0011_variants_for_others'
down_revision: str | None = '0010_order_line_note'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('variant_names', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default='[]'))
        batch_op.add_column(sa.Column('variant_limits', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default='{}'))
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('variant', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch_op.add_column(sa.Column('guest_name', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True))
        batch_op.add_column(sa.Column('ordered_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_order_lines_ordered_by', 'members', ['ordered_by'], ['id'])
        batch_op.create_index('ix_order_lines_ordered_by', ['ordered_by'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_order_lines_ordered_by')
        batch_op.drop_constraint('fk_order_lines_ordered_by', type_='foreignkey')
        batch_op.drop_column('ordered_by')
        batch_op.drop_column('guest_name')
        batch_op.drop_column('variant')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('variant_limits')
        batch_op.drop_column('variant_names')
