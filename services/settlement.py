"""Make a member's credit and points ledgers agree with their payments: one call after money or dues moved.

``settle`` writes the rows ``credit_plan.plan`` says are missing (credit released from a due that dropped,
money paid beyond every due turned into credit, credit applied to dues oldest first) and earns the points the
deposits that paid each campaign are worth. Run it again in the same state and it writes nothing: every row is a
difference between the plan and the ledger, and the over-payment and points rows carry unique keys.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from infra.db import UnitOfWork
from models import BankTransaction, Member
from services import credit, payments, points


@dataclass(frozen=True)
class Settled:
    """What one settle wrote (NT$ of credit, points)."""

    to_credit: int = 0  # money paid beyond the dues that became credit
    released: int = 0  # credit taken back from dues that dropped
    applied: int = 0  # credit spent on dues
    points: int = 0  # points earned

    def __bool__(self) -> bool:
        return bool(self.to_credit or self.released or self.applied or self.points)


def settle(uow: UnitOfWork, member: Member, *, cause: str = "over_payment", by: str = "auto") -> Settled:
    """Write the credit and points rows a member's position calls for (``cause`` names why money became credit)."""
    assert member.id is not None and cause in credit.FROM_DEPOSITS
    member_id = member.id
    _campaigns, where = payments.position(uow, member_id)
    for campaign_id, amount in where.released.items():
        credit.add_entry(uow, member_id, cause="released", amount=amount, campaign_id=campaign_id, created_by=by,
                         note="應付金額減少，退回購物金")
    to_credit = 0
    if where.over_payment:
        converted = sum(credit.stored(uow, member_id).converted.values())
        last_tx = _last_deposit(uow, member_id)
        for over_on, amount in where.over_payment.items():
            converted += amount
            row = credit.add_entry(
                uow, member_id, cause=cause, amount=amount, campaign_id=over_on, transaction_id=last_tx,
                created_by=by, dedupe_key=f"{cause}:m{member_id}:{converted}",
                note=_why(cause, over_on),
            )
            to_credit += row.amount if row is not None else 0
    for campaign_id, amount in where.applied.items():
        credit.apply_to_due(uow, member_id, campaign_id, amount, by=by)
    paid = {line.campaign: line.paid for line in where.lines if line.campaign is not None}
    earned = points.earn(uow, member_id, paid, transaction_id=_last_deposit(uow, member_id))
    return Settled(to_credit, sum(where.released.values()), sum(where.applied.values()), earned)


def _why(cause: str, campaign_id: int | None) -> str:
    """Return the note of money that became credit."""
    where = f"第{campaign_id}團" if campaign_id is not None else ""
    return f"{where}缺貨，已付的款項轉為購物金" if cause == "shortage" else f"{where}多付的款項"


def _last_deposit(uow: UnitOfWork, member_id: int) -> int | None:
    """Return the newest deposit matched to a member (the payment an over-payment or points came from)."""
    stmt = (
        select(BankTransaction.id)
        .where(BankTransaction.matched_member_id == member_id, BankTransaction.status == "matched")
        .order_by(col(BankTransaction.id).desc())
    )
    return uow.session.exec(stmt).first()


def credit_balances(uow: UnitOfWork) -> dict[int, int]:
    """Return each member's credit left after every due, for members with credit entries or matched deposits."""
    who: set[int | None] = set(credit.balances(uow))
    who |= set(uow.session.exec(
        select(BankTransaction.matched_member_id).where(BankTransaction.status == "matched").distinct()
    ).all())
    out = {}
    for member_id in sorted(m for m in who if m is not None):
        out[member_id] = payments.position(uow, member_id)[1].balance
    return out
