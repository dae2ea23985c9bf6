"""inbox: one index for claiming the oldest pending event

Claiming the next event (``status = 'pending' ORDER BY sent_at, id LIMIT 1``) sorted every pending row with the
status index alone; under a burst's backlog that is thousands of rows per event. The composite index hands the
first pending event over directly and also serves every lookup by status, so it replaces that index.

Revision ID: 0004_inbox_claim
Revises: 0003_payments
Create Date: 2026-11-23 10:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0004_inbox_claim'
down_revision: str | None = '0003_payments'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_events_status'))
        batch_op.create_index('ix_webhook_events_claim', ['status', 'sent_at', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_events_claim')
        batch_op.create_index(batch_op.f('ix_webhook_events_status'), ['status'], unique=False)
