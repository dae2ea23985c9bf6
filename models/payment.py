"""Transfer claims from members and imported bank statement rows."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import LargeBinary
from sqlmodel import Field, SQLModel

from models.base import aware_field, created_field


class PaymentClaim(SQLModel, table=True):
    """A member's report of a transfer (已匯款 後五碼12345 540元)."""

    __tablename__ = "payment_claims"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="members.id", index=True)
    # The one campaign the claim is for, when the member owed only one (None = everything they owe).
    campaign_id: int | None = Field(default=None, foreign_key="campaigns.id", index=True)
    last5: str = Field(max_length=5, index=True)
    amount: int | None = None
    source_message_id: str | None = Field(default=None, max_length=64)
    # claimed (waiting for a statement) | partial | matched | not_found (a statement covering its day lacks it)
    status: str = Field(default="claimed", max_length=24)
    claimed_at: datetime | None = aware_field(nullable=True, default=None)  # when the member sent it
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
    """One deposit of a statement; the fingerprint makes re-importing a statement a no-op."""

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
    payer_name: str | None = Field(default=None, max_length=40)  # as the bank prints it, often masked (王*明)
    matched_member_id: int | None = Field(default=None, foreign_key="members.id", index=True)
    matched_claim_id: int | None = Field(default=None, foreign_key="payment_claims.id", index=True)
    # unmatched | matched | proposed (exact-due, no claim: host to accept) | ambiguous (host to pick) | ignored
    status: str = Field(default="unmatched", max_length=24)
    # Only this campaign (reconciled with --campaign); None = the member's campaigns, oldest first.
    campaign_id: int | None = Field(default=None, foreign_key="campaigns.id", index=True)
    candidates: str = Field(default="", max_length=200)  # member ids the host chooses from, "3,7"
    decided_by: str | None = Field(default=None, max_length=64)  # "auto", "cli" or the host's user id
    matched_at: datetime | None = aware_field(nullable=True, default=None)
    created_at: datetime = created_field()


class StatementLayout(SQLModel, table=True):
    """The columns a host named (/對帳欄位) for a statement header the reader could not map by itself."""

    __tablename__ = "statement_layouts"

    id: int | None = Field(default=None, primary_key=True)
    fingerprint: str = Field(max_length=16, unique=True, index=True)
    bank: str | None = Field(default=None, max_length=40)
    mapping: str = Field(max_length=400)  # JSON: role -> 0-based column index
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = created_field()


class HeldStatement(SQLModel, table=True):
    """A host's statement file the reader could not map, kept until the host names its columns."""

    __tablename__ = "held_statements"

    id: int | None = Field(default=None, primary_key=True)
    host: str = Field(max_length=64, index=True)
    filename: str | None = Field(default=None, max_length=255)
    fingerprint: str = Field(max_length=16)
    data: bytes = Field(sa_type=LargeBinary)
    created_at: datetime = created_field()
