"""console_tokens: one-time sign-in links to the host's console

Revision ID: 0014_console_tokens
Revises: 0013_after_cutoff
Create Date: 2026-12-07 15:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = '0014_console_tokens'
down_revision: str | None = '0013_after_cutoff'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'console_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('host_user_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('expires_at', models.base.AwareDateTime(timezone=True), nullable=False),
        sa.Column('used_at', models.base.AwareDateTime(timezone=True), nullable=True),
        sa.Column('created_at', models.base.AwareDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index('ix_console_tokens_host_user_id', 'console_tokens', ['host_user_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_console_tokens_host_user_id', table_name='console_tokens')
    op.drop_table('console_tokens')
