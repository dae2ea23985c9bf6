"""statements: the columns hosts name for unknown layouts, files held until then, payer names

Revision ID: 0007_statement_layouts
Revises: 0006_inbox_sent_at
Create Date: 2026-12-06 22:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = '0007_statement_layouts'
down_revision: str | None = '0006_inbox_sent_at'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'statement_layouts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('bank', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column('mapping', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
        sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('created_at', models.base.AwareDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('statement_layouts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_layouts_fingerprint'), ['fingerprint'], unique=True)
    op.create_table(
        'held_statements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('host', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', models.base.AwareDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('held_statements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_held_statements_host'), ['host'], unique=False)
    with op.batch_alter_table('bank_transactions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payer_name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('bank_transactions', schema=None) as batch_op:
        batch_op.drop_column('payer_name')
    with op.batch_alter_table('held_statements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_held_statements_host'))
    op.drop_table('held_statements')
    with op.batch_alter_table('statement_layouts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_layouts_fingerprint'))
    op.drop_table('statement_layouts')
