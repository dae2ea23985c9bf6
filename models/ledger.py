"""Credit (購物金) and points (集點) ledgers: every change is a row with its cause; balances are sums."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from models.base import created_field


class LedgerEntry(SQLModel):
    """The columns both ledgers share (not a table)."""

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id")  # looked up through the (member_id, seq) unique index
    # The member's n-th entry (1, 2, …): two transactions writing the same member's ledger cannot both commit.
    seq: int
    # credit: over_payment | shortage | adjustment | redeem | applied | released
    # points: earned | redeem | adjustment
    cause: str = Field(max_length=24)
    amount: int  # NT$ for credit, points for points; positive adds, negative takes away
    campaign_id: int | None = Field(default=None, foreign_key="campaigns.id", index=True)
    transaction_id: int | None = Field(default=None, foreign_key="bank_transactions.id")
    note: str = Field(default="", max_length=200)
    created_by: str | None = Field(default=None, max_length=64)  # "auto", "cli" or the host's user id
    # Set when the same cause must never be recorded twice (points earned on a payment, an over-payment).
    dedupe_key: str | None = Field(default=None, max_length=120, unique=True)
    created_at: datetime = created_field()


class CreditEntry(LedgerEntry, table=True):
    """One change of a member's credit (購物金, NT$)."""

    __tablename__ = "credit_entries"
    __table_args__ = (UniqueConstraint("member_id", "seq", name="uq_credit_entries_member_seq"),)

    # For ``applied``: the credit entry this amount was drawn from (oldest credit first).
    source_id: int | None = Field(default=None, foreign_key="credit_entries.id")


class PointEntry(LedgerEntry, table=True):
    """One change of a member's points (集點)."""

    __tablename__ = "point_entries"
    __table_args__ = (UniqueConstraint("member_id", "seq", name="uq_point_entries_member_seq"),)
