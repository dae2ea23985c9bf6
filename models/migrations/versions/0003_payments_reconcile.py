"""payments: claim send time, deposit campaign pin, candidates and decisions

Revision ID: 0003_payments
Revises: 0002_members
Create Date: 2026-11-23 09:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = '0003_payments'
down_revision: str | None = '0002_members'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('payment_claims', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_at', models.base.AwareDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('bank_transactions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('campaign_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column(
            'candidates', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('matched_at', models.base.AwareDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_bank_transactions_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_foreign_key(
            'fk_bank_transactions_campaign_id_campaigns', 'campaigns', ['campaign_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('bank_transactions', schema=None) as batch_op:
        batch_op.drop_constraint('fk_bank_transactions_campaign_id_campaigns', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_bank_transactions_campaign_id'))
        batch_op.drop_column('matched_at')
        batch_op.drop_column('decided_by')
        batch_op.drop_column('candidates')
        batch_op.drop_column('campaign_id')

    with op.batch_alter_table('payment_claims', schema=None) as batch_op:
        batch_op.drop_column('claimed_at')
