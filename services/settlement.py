"""Make a member's credit and points ledgers agree with their payments: one call after money or dues moved.

``settle`` writes the rows ``credit_plan.plan`` says are missing (credit released from a due that dropped,
money paid beyond every due turned into credit, credit applied to dues oldest first) and earns the points the
deposits that paid each campaign are worth. Run it again in the same state and it writes nothing: every row is a
difference between the plan and the ledger, and the over-payment and points rows carry unique keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlmodel import col, func, select

from infra.db import UnitOfWork
from infra.sql import id_lists, one_of
from models import BankTransaction, Member
from services import credit, payments, points
from services.credit_plan import Plan


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
    assert member.id is not None
    return settle_many(uow, [member], cause=cause, by=by)[member.id]


def settle_many(uow: UnitOfWork, members: Iterable[Member], *, cause: str = "over_payment", by: str = "auto",
                known: Mapping[int, payments.Position] | None = None) -> dict[int, Settled]:
    """Settle many members at once, by member id: positions, newest deposits and points are read in bulk.

    ``known``: the members' positions as ``payments.positions`` returned them in this transaction, nothing written since.
    """
    assert cause in credit.FROM_DEPOSITS
    ids = list(dict.fromkeys(m.id for m in members if m.id is not None))
    read = known if known is not None else payments.positions(uow, ids)
    where_of = {mid: read[mid][1] for mid in ids}
    last_tx = _last_deposits(uow, ids)
    to_credit = {mid: _write_credit(uow, mid, where_of[mid], cause, by, last_tx.get(mid)) for mid in ids}
    paid = {mid: {line.campaign: line.paid for line in where_of[mid].lines if line.campaign is not None} for mid in ids}
    earned = points.earn_many(uow, paid, transaction_ids=last_tx)
    return {mid: Settled(to_credit[mid], sum(where_of[mid].released.values()), sum(where_of[mid].applied.values()),
                         earned.get(mid, 0)) for mid in ids}


def _write_credit(uow: UnitOfWork, member_id: int, where: Plan, cause: str, by: str, last_tx: int | None) -> int:
    """Write the credit rows the plan calls for (released, over-payments, applied); return the NT$ made credit."""
    for campaign_id, amount in where.released.items():
        credit.add_entry(uow, member_id, cause="released", amount=amount, campaign_id=campaign_id, created_by=by,
                         note="應付金額減少，退回購物金")
    to_credit = 0
    if where.over_payment:
        converted = sum(credit.stored(uow, member_id).converted.values())
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
    return to_credit


def _why(cause: str, campaign_id: int | None) -> str:
    """Return the note of money that became credit."""
    where = f"第{campaign_id}團" if campaign_id is not None else ""
    return f"{where}缺貨，已付的款項轉為購物金" if cause == "shortage" else f"{where}多付的款項"


def _last_deposits(uow: UnitOfWork, member_ids: Iterable[int]) -> dict[int, int]:
    """Return each member's newest matched deposit (the payment an over-payment or points came from)."""
    out: dict[int, int] = {}
    for ids in id_lists(uow.dialect, member_ids):
        stmt = (
            select(BankTransaction.matched_member_id, func.max(BankTransaction.id))
            .where(one_of(uow.dialect, BankTransaction.matched_member_id, ids), BankTransaction.status == "matched")
            .group_by(col(BankTransaction.matched_member_id))
        )
        out.update({mid: tx for mid, tx in uow.session.exec(stmt).all() if mid is not None and tx is not None})
    return out


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
