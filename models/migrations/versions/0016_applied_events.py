"""applied_events: events applied to this database while their inbox, a SQLite file of its own, catches up

A SQLite deployment keeps the webhook inbox in a file beside the main one (``infra.inbox_db``), so that the
webhook's inserts and the worker's batches take different write locks. A batch writes its events' ids here in the
transaction of their effects; the worker marks them done in the inbox after commit and deletes them here.

Revision ID: 0016_applied_events
Revises: 0015_deposits_by_claim
Create Date: 2026-12-08 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = '0016_applied_events'
down_revision: str | None = '0015_deposits_by_claim'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'applied_events',
        sa.Column('webhook_event_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('applied_at', models.base.AwareDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('webhook_event_id'),
    )


def downgrade() -> None:
    op.drop_table('applied_events')
