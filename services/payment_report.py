"""Where payments stand: the overview for /對帳 and statement uploads, and ``groupbuy export payments`` rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select

from infra.db import UnitOfWork
from models import BankTransaction, Member
from services import bank_import, directory, payments
from services.payments import Account
from services.tabular import to_csv, to_json, to_xlsx

COLUMNS = [
    "campaign_id", "user_id", "display_name", "due", "claimed_last5", "claimed_amount", "received", "status",
    "credit_applied",
]
UNCLAIMED = ("unmatched", "proposed")


@dataclass(frozen=True)
class Overview:
    """Every account in scope, the deposits nobody claimed and those waiting for the host."""

    accounts: tuple[Account, ...]
    unclaimed: tuple[BankTransaction, ...]
    waiting: tuple[BankTransaction, ...]
    names: dict[int, str]  # member id → display label, for the waiting deposits' candidates

    def having(self, *statuses: str) -> list[Account]:
        """Return the accounts in the given statuses."""
        return [a for a in self.accounts if a.status in statuses]


def overview(uow: UnitOfWork, *, campaign_id: int | None = None, group_id: int | None = None) -> Overview:
    """Return where payments stand over the members with orders (one campaign or group, or all)."""
    members = payments.members_with_orders(uow, campaign_id=campaign_id, group_id=group_id)
    by_id = payments.accounts(uow, members, campaign_id=campaign_id)  # in bulk: a few queries, not a few per member
    accounts = tuple(by_id[m.id] for m in members if m.id is not None)
    waiting = tuple(bank_import.waiting_for_host(uow))
    names: dict[int, str] = {}
    for tx in waiting:
        for mid in bank_import.candidates_of(tx):
            member = uow.session.get(Member, mid)
            if member is not None:
                names[mid] = label(member)
    return Overview(tuple(a for a in accounts if a.due or a.received), tuple(bank_import.unclaimed(uow)), waiting,
                    names)


def label(member: Member) -> str:
    """Return how the host sees a member: name and member number (used by /對帳 指定)."""
    return f"{directory.label(member)}(#{member.id})"


def payment_rows(uow: UnitOfWork, *, campaign_id: int | None = None) -> list[dict[str, Any]]:
    """Return each member's due (after credit), claim and received money per campaign, then unclaimed deposits.

    ``credit_applied`` is the credit (購物金) that paid part of the due; ``due`` is what is left for a transfer.
    """
    rows: list[dict[str, Any]] = []
    for member in payments.members_with_orders(uow, campaign_id=campaign_id):
        acc = payments.account(uow, member, campaign_id=campaign_id)
        for line in acc.lines:
            if not line.due and not line.received:
                continue
            rows.append({
                "campaign_id": line.campaign.id if line.campaign else None,
                "user_id": member.line_user_id,
                "display_name": member.display_name,
                "due": line.to_pay,
                "claimed_last5": acc.claim.last5 if acc.claim else None,
                "claimed_amount": acc.claim.amount if acc.claim else None,
                "received": line.received,
                "status": line.status(acc.claim_state),
                "credit_applied": line.credit,
            })
    stmt = select(BankTransaction).where(col(BankTransaction.status).in_(UNCLAIMED), BankTransaction.direction == "in")
    for tx in uow.session.exec(stmt.order_by(col(BankTransaction.booked_on), col(BankTransaction.id))).all():
        rows.append({
            "campaign_id": tx.campaign_id, "user_id": None, "display_name": None, "due": None,
            "claimed_last5": tx.last5, "claimed_amount": None, "received": tx.amount, "status": "unclaimed_deposit",
            "credit_applied": 0,
        })
    return rows


def export_payments(uow: UnitOfWork, fmt: str, *, campaign_id: int | None = None) -> bytes:
    """Return the payment rows as JSON, CSV or XLSX bytes."""
    rows = payment_rows(uow, campaign_id=campaign_id)
    if fmt == "json":
        return to_json(rows)
    if fmt == "csv":
        return to_csv(rows, COLUMNS)
    return to_xlsx({"對帳": (COLUMNS, ([r[c] for c in COLUMNS] for r in rows))})
