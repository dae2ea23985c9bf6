"""inbox: drop the index on sent_at alone

Nothing looks events up by ``sent_at`` alone: claiming the next event reads ``ix_webhook_events_claim``
(status, sent_at, id). The single-column index only cost every webhook insert one more B-tree write.

Revision ID: 0006_inbox_sent_at
Revises: 0005_order_requests
Create Date: 2026-11-23 15:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0006_inbox_sent_at'
down_revision: str | None = '0005_order_requests'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_events_sent_at'))


def downgrade() -> None:
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_events_sent_at'), ['sent_at'], unique=False)
