"""After the cutoff: arrival and pickup on campaigns, shortages on items, pickup status on order lines,
no-shows, blocked members, and notices a campaign sends once (closing soon)

Revision ID: 0013_after_cutoff
Revises: 0012_credit_points
Create Date: 2026-12-07 15:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = '0013_after_cutoff'
down_revision: str | None = '0012_credit_points'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('arrived_at', models.base.AwareDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('pickup_place', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column('pickup_time', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column('pickup_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('pickup_deadline', models.base.AwareDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shortage', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pickup_status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                      server_default='pending'))
        batch_op.add_column(sa.Column('picked_up_at', models.base.AwareDateTime(timezone=True), nullable=True))
    op.create_table(
        'no_shows',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('qty', sa.Integer(), nullable=False),
        sa.Column('amount', sa.Integer(), nullable=False),
        sa.Column('created_at', models.base.AwareDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], ),
        sa.ForeignKeyConstraint(['group_id'], ['groups.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('member_id', 'campaign_id', name='uq_no_shows_member_campaign'),
    )
    op.create_index('ix_no_shows_group_id', 'no_shows', ['group_id'], unique=False)
    op.create_table(
        'member_blocks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('created_at', models.base.AwareDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['group_id'], ['groups.id'], ),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('group_id', 'member_id', name='uq_member_blocks_group_member'),
    )
    op.create_index('ix_member_blocks_member_id', 'member_blocks', ['member_id'], unique=False)
    op.create_table(
        'campaign_notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column('dedupe_key', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column('retry_key', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.Column('created_at', models.base.AwareDateTime(timezone=True), nullable=False),
        sa.Column('sent_at', models.base.AwareDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('dedupe_key'),
    )
    op.create_index('ix_campaign_notices_campaign_id', 'campaign_notices', ['campaign_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_campaign_notices_campaign_id', table_name='campaign_notices')
    op.drop_table('campaign_notices')
    op.drop_index('ix_member_blocks_member_id', table_name='member_blocks')
    op.drop_table('member_blocks')
    op.drop_index('ix_no_shows_group_id', table_name='no_shows')
    op.drop_table('no_shows')
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_column('picked_up_at')
        batch_op.drop_column('pickup_status')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('shortage')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('pickup_deadline')
        batch_op.drop_column('pickup_date')
        batch_op.drop_column('pickup_time')
        batch_op.drop_column('pickup_place')
        batch_op.drop_column('arrived_at')
