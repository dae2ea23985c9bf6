"""order requests: what each message asked of the order book, to replay it in send order

LINE redelivers a body only after it failed, so a member's ``A+1`` can arrive after their later ``A改3`` was
applied. Each message that asked for order changes keeps its intents here; a late one undoes the member's later
requests in that campaign, applies itself, and replays them. The composite index finds those later requests.
Messages applied before this migration have no row and are not replayed.

Revision ID: 0005_order_requests
Revises: 0004_inbox_claim
Create Date: 2026-11-23 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = '0005_order_requests'
down_revision: str | None = '0004_inbox_claim'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'order_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('sent_at', models.base.AwareDateTime(timezone=True), nullable=False),
        sa.Column('intents', sa.Text(), nullable=False),
        sa.Column('created_at', models.base.AwareDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], ),
        sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('order_requests', schema=None) as batch_op:
        batch_op.create_index(
            'ix_order_requests_member_sent', ['campaign_id', 'member_id', 'sent_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_requests_message_id'), ['message_id'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('order_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_requests_message_id'))
        batch_op.drop_index('ix_order_requests_member_sent')

    op.drop_table('order_requests')
