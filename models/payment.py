"""Transfer claims from members and imported bank statement rows."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from models.base import created_field


class PaymentClaim(SQLModel, table=True):
    """A member's report of a transfer (已匯款 後五碼12345 540元)."""

    __tablename__ = "payment_claims"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id", index=True)
    campaign_id: int | None = Field(default=None, foreign_key="campaigns.id", index=True)
    last5: str = Field(max_length=5, index=True)
    amount: int | None = None
    source_message_id: str | None = Field(default=None, max_length=64)
    status: str = Field(default="claimed", max_length=24)  # claimed | matched | not_found
    created_at: datetime = created_field()


class StatementImport(SQLModel, table=True):
    """One uploaded bank statement file."""

    __tablename__ = "statement_imports"

    id: int | None = Field(default=None, primary_key=True)
    filename: str | None = Field(default=None, max_length=255)
    sha256: str = Field(max_length=64, index=True)
    uploaded_by: str | None = Field(default=None, max_length=64)
    rows: int = 0
    new_rows: int = 0
    created_at: datetime = created_field()


class BankTransaction(SQLModel, table=True):
    """One statement row; the fingerprint makes re-importing a statement a no-op."""

    __tablename__ = "bank_transactions"

    id: int | None = Field(default=None, primary_key=True)
    fingerprint: str = Field(max_length=64, unique=True, index=True)
    import_id: int = Field(foreign_key="statement_imports.id", index=True)
    booked_on: date
    amount: int
    direction: str = Field(max_length=3)  # in | out
    last5: str | None = Field(default=None, max_length=5, index=True)
    memo: str = ""
    balance: int | None = None
    matched_member_id: int | None = Field(default=None, foreign_key="members.id", index=True)
    matched_claim_id: int | None = Field(default=None, foreign_key="payment_claims.id")
    status: str = Field(default="unmatched", max_length=24)  # unmatched | matched | proposed | ambiguous
    created_at: datetime = created_field()
