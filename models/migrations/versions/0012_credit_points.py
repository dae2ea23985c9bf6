"""credit_entries and point_entries: credit (購物金) and points (集點) as ledgers, one row per change with its cause

Revision ID: 0012_credit_points
Revises: 0011_variants_for_others
Create Date: 2026-12-07 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = '0012_credit_points'
down_revision: str | None = '0011_variants_for_others'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ledger_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    """Return the columns both ledgers share."""
    return [
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('cause', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column('amount', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=True),
        sa.Column('transaction_id', sa.Integer(), nullable=True),
        sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('dedupe_key', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column('created_at', models.base.AwareDateTime(timezone=True), nullable=False),
    ]


def _ledger_constraints(table: str) -> list[sa.Constraint]:
    """Return the keys both ledgers share."""
    return [
        sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], ),
        sa.ForeignKeyConstraint(['transaction_id'], ['bank_transactions.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('member_id', 'seq', name=f'uq_{table}_member_seq'),
        sa.UniqueConstraint('dedupe_key'),
    ]


def upgrade() -> None:
    op.create_table(
        'credit_entries',
        *_ledger_columns(),
        sa.Column('source_id', sa.Integer(), nullable=True),
        *_ledger_constraints('credit_entries'),
        sa.ForeignKeyConstraint(['source_id'], ['credit_entries.id'], ),
    )
    op.create_table('point_entries', *_ledger_columns(), *_ledger_constraints('point_entries'))
    for table in ('credit_entries', 'point_entries'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f'ix_{table}_campaign_id'), ['campaign_id'], unique=False)


def downgrade() -> None:
    for table in ('point_entries', 'credit_entries'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_campaign_id'))
        op.drop_table(table)
