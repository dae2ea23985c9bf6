"""bank_transactions: an index on the claim a deposit was matched to

The money on each claim (``account_books.claims_received``: ``matched_claim_id IN (...)``) is read for every claim
in /對帳's accounts; without an index each chunk of 900 claims scanned every deposit ever imported.

Revision ID: 0015_deposits_by_claim
Revises: 0014_console_tokens
Create Date: 2026-12-08 09:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0015_deposits_by_claim'
down_revision: str | None = '0014_console_tokens'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_bank_transactions_matched_claim_id', 'bank_transactions', ['matched_claim_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_bank_transactions_matched_claim_id', table_name='bank_transactions')
