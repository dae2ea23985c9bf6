"""A member's credit (購物金) ledger: entries, the balance, host adjustments, and credit applied to a due.

Every change is a ``CreditEntry`` row with its cause; the balance is their sum. Credit is spent oldest first:
an ``applied`` row names the entry it was drawn from (``source_id``), one row per entry drawn on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import col, select

from infra.db import UnitOfWork
from infra.sql import one_of
from models import CreditEntry, Member
from services.credit_plan import Stored
from services.errors import DomainError

CAUSES = ("over_payment", "shortage", "adjustment", "redeem", "applied", "released")
FROM_DEPOSITS = ("over_payment", "shortage")  # money a member paid that no due needs any more
APPLIED = ("applied", "released")
MAX_ADJUSTMENT = 100_000


class NotEnoughCredit(DomainError):
    """A host tried to take away more credit than the member has."""


def entries(uow: UnitOfWork, member_id: int) -> list[CreditEntry]:
    """Return a member's credit entries, oldest first."""
    stmt = select(CreditEntry).where(CreditEntry.member_id == member_id).order_by(col(CreditEntry.seq))
    return list(uow.session.exec(stmt).all())


def balance(uow: UnitOfWork, member_id: int) -> int:
    """Return the stored credit balance (the sum of the member's entries)."""
    total = uow.session.exec(select(func.sum(CreditEntry.amount)).where(CreditEntry.member_id == member_id)).one()
    return int(total or 0)


def balances(uow: UnitOfWork) -> dict[int, int]:
    """Return every member's stored credit balance (members without entries are absent)."""
    stmt = select(CreditEntry.member_id, func.sum(CreditEntry.amount)).group_by(col(CreditEntry.member_id))
    return {mid: int(total or 0) for mid, total in uow.session.exec(stmt).all()}


def stored(uow: UnitOfWork, member_id: int) -> Stored:
    """Return the ledger summed the way ``credit_plan.plan`` reads it (one query)."""
    return stored_many(uow, [member_id])[member_id]


def stored_many(uow: UnitOfWork, member_ids: Sequence[int]) -> dict[int, Stored]:
    """Return each member's ledger summed the way ``credit_plan.plan`` reads it (one query; every id answered)."""
    stmt = (
        select(CreditEntry.member_id, CreditEntry.cause, CreditEntry.campaign_id, func.sum(CreditEntry.amount))
        .where(one_of(uow.dialect, CreditEntry.member_id, member_ids))
        .group_by(col(CreditEntry.member_id), col(CreditEntry.cause), col(CreditEntry.campaign_id))
        .order_by(col(CreditEntry.member_id), col(CreditEntry.cause), col(CreditEntry.campaign_id))
    )
    sums: dict[int, list[tuple[str, int | None, int]]] = defaultdict(list)
    for member_id, cause, campaign_id, amount in uow.session.exec(stmt).all():
        sums[member_id].append((cause, campaign_id, int(amount or 0)))
    return {member_id: _summed(sums.get(member_id, [])) for member_id in member_ids}


def _summed(sums: Sequence[tuple[str, int | None, int]]) -> Stored:
    """Fold one member's sums per (cause, campaign) into what ``credit_plan.plan`` reads."""
    applied: dict[int, int] = defaultdict(int)
    converted: dict[int | None, int] = defaultdict(int)
    total = 0
    for cause, campaign_id, amount in sums:
        total += amount
        if cause in APPLIED and campaign_id is not None:
            applied[campaign_id] -= amount
        elif cause in FROM_DEPOSITS:
            converted[campaign_id] += amount
    return Stored(dict(applied), dict(converted), total)


def add_entry(uow: UnitOfWork, member_id: int, *, cause: str, amount: int, note: str = "",
              campaign_id: int | None = None, transaction_id: int | None = None, source_id: int | None = None,
              created_by: str | None = None, dedupe_key: str | None = None) -> CreditEntry | None:
    """Record one credit change; with a ``dedupe_key`` already recorded, record nothing and return None."""
    assert cause in CAUSES, cause
    if dedupe_key is not None and uow.session.exec(
        select(CreditEntry.id).where(CreditEntry.dedupe_key == dedupe_key)
    ).first() is not None:
        return None
    entry = CreditEntry(
        member_id=member_id, seq=_next_seq(uow, member_id), cause=cause, amount=amount, note=note[:200],
        campaign_id=campaign_id, transaction_id=transaction_id, source_id=source_id, created_by=created_by,
        dedupe_key=dedupe_key,
    )
    uow.session.add(entry)
    uow.session.flush()
    return entry


def _next_seq(uow: UnitOfWork, member_id: int) -> int:
    """Return the number of the member's next entry."""
    last = uow.session.exec(select(func.max(CreditEntry.seq)).where(CreditEntry.member_id == member_id)).one()
    return int(last or 0) + 1


def adjust(uow: UnitOfWork, member: Member, amount: int, *, note: str, by: str | None,
           available: int | None = None) -> CreditEntry:
    """Add (positive) or take away (negative) credit by the host's hand; never below zero.

    ``available`` is the balance the member sees (after pending over-payments and credit applied to dues);
    by default the stored balance.
    """
    assert member.id is not None
    if amount == 0 or abs(amount) > MAX_ADJUSTMENT:
        raise DomainError(f"購物金金額要在 1 到 {MAX_ADJUSTMENT:,} 元之間，例如：/購物金 @成員 +100 退差價。")
    have = balance(uow, member.id) if available is None else available
    if amount < 0 and have + amount < 0:
        raise NotEnoughCredit(
            f"購物金只剩 ${have:,}，最多只能扣 ${have:,}。請改成 /購物金 @成員 -{have}，或先輸入 /購物金 @成員 查看明細。"
        )
    entry = add_entry(uow, member.id, cause="adjustment", amount=amount, note=note, created_by=by)
    assert entry is not None
    return entry


def apply_to_due(uow: UnitOfWork, member_id: int, campaign_id: int, amount: int, *,
                 by: str = "auto") -> list[CreditEntry]:
    """Spend ``amount`` of credit on a campaign's due, oldest credit first; return the ``applied`` rows."""
    rows = []
    for source, left in open_lots(uow, member_id):
        if amount <= 0:
            break
        take = min(left, amount)
        entry = add_entry(uow, member_id, cause="applied", amount=-take, campaign_id=campaign_id,
                          source_id=source.id, created_by=by)
        assert entry is not None
        rows.append(entry)
        amount -= take
    if amount > 0:
        raise NotEnoughCredit("購物金不夠折抵這筆金額。輸入「我的購物金」看看目前餘額。")
    return rows


def open_lots(uow: UnitOfWork, member_id: int) -> list[tuple[CreditEntry, int]]:
    """Return the credit entries not yet spent and what is left of each, oldest first (spending is FIFO)."""
    rows = entries(uow, member_id)
    spent = -sum(e.amount for e in rows if e.amount < 0)
    lots = []
    for entry in rows:
        if entry.amount <= 0:
            continue
        left = entry.amount - min(spent, entry.amount)
        spent -= entry.amount - left
        if left:
            lots.append((entry, left))
    return lots
