"""inbox: events claimed in batches per chat; confirmations owed until LINE accepts them

``webhook_events.chat_key`` (the group, room or user an event came from) lets a worker claim one chat's pending
events in send order along (status, chat_key, sent_at, id). Pending events stored before this
migration get their chat from the payload. The oldest pending event is still found along
``ix_webhook_events_claim``. ``owed_confirmations`` holds each order confirmation from the commit of
the change until LINE accepted the reply carrying it.

Revision ID: 0008_inbox_by_chat
Revises: 0007_statement_layouts
Create Date: 2026-12-07 02:00:00.000000
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = '0008_inbox_by_chat'
down_revision: str | None = '0007_statement_layouts'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _chat_of(payload: str) -> str:
    try:
        source = json.loads(payload).get("source") or {}
    except (ValueError, AttributeError):
        return ""
    return str(source.get("groupId") or source.get("roomId") or source.get("userId") or "")[:64]


def upgrade() -> None:
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chat_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False,
                                      server_default=''))
        batch_op.create_index('ix_webhook_events_claim_chat', ['status', 'chat_key', 'sent_at', 'id'], unique=False)
    conn = op.get_bind()
    pending = conn.execute(sa.text("SELECT id, payload FROM webhook_events WHERE status = 'pending'")).all()
    for row_id, payload in pending:
        conn.execute(sa.text("UPDATE webhook_events SET chat_key = :key WHERE id = :id"),
                     {"key": _chat_of(payload), "id": row_id})
    op.create_table(
        'owed_confirmations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('chat_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('member_id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('reply_token', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column('token_at', models.base.AwareDateTime(timezone=True), nullable=False),
        sa.Column('created_at', models.base.AwareDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('owed_confirmations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_owed_confirmations_chat_key'), ['chat_key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('owed_confirmations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_owed_confirmations_chat_key'))
    op.drop_table('owed_confirmations')
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_events_claim_chat')
        batch_op.drop_column('chat_key')
