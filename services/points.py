"""A member's points (集點) ledger: earned on reconciled payments, redeemed into credit by the host.

A group earns points only once the host sets a rate (``/設定 集點 100``: one point per NT$100 paid). Points are
earned per campaign on the deposit money that paid it (over-payments and credit excluded); each earning row's
key names the member, the campaign and the new total, so re-running reconciliation earns nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from sqlalchemy import func
from sqlmodel import col, select

from infra.db import UnitOfWork
from infra.sql import id_lists, one_of
from models import Campaign, Member, PointEntry, Setting
from services import credit
from services.errors import DomainError

CAUSES = ("earned", "redeem", "adjustment")
RATE_KEY = "points.rate"  # NT$ paid per point earned
VALUE_KEY = "points.value"  # NT$ of credit per point redeemed
DEFAULT_VALUE = 1
MAX_RATE = 100_000
MAX_POINTS = 1_000_000  # one redemption at most


class NotEnoughPoints(DomainError):
    """A host tried to redeem more points than the member has."""


def entries(uow: UnitOfWork, member_id: int) -> list[PointEntry]:
    """Return a member's point entries, oldest first."""
    stmt = select(PointEntry).where(PointEntry.member_id == member_id).order_by(col(PointEntry.seq))
    return list(uow.session.exec(stmt).all())


def balance(uow: UnitOfWork, member_id: int) -> int:
    """Return the member's points (the sum of their entries)."""
    total = uow.session.exec(select(func.sum(PointEntry.amount)).where(PointEntry.member_id == member_id)).one()
    return int(total or 0)


def balances(uow: UnitOfWork) -> dict[int, int]:
    """Return every member's points (members without entries are absent)."""
    stmt = select(PointEntry.member_id, func.sum(PointEntry.amount)).group_by(col(PointEntry.member_id))
    return {mid: int(total or 0) for mid, total in uow.session.exec(stmt).all()}


def add_entry(uow: UnitOfWork, member_id: int, *, cause: str, amount: int, note: str = "",
              campaign_id: int | None = None, transaction_id: int | None = None, created_by: str | None = None,
              dedupe_key: str | None = None) -> PointEntry | None:
    """Record one points change; with a ``dedupe_key`` already recorded, record nothing and return None."""
    assert cause in CAUSES, cause
    if dedupe_key is not None and uow.session.exec(
        select(PointEntry.id).where(PointEntry.dedupe_key == dedupe_key)
    ).first() is not None:
        return None
    last = uow.session.exec(select(func.max(PointEntry.seq)).where(PointEntry.member_id == member_id)).one()
    entry = PointEntry(
        member_id=member_id, seq=int(last or 0) + 1, cause=cause, amount=amount, note=note[:200],
        campaign_id=campaign_id, transaction_id=transaction_id, created_by=created_by, dedupe_key=dedupe_key,
    )
    uow.session.add(entry)
    uow.session.flush()
    return entry


def earn(uow: UnitOfWork, member_id: int, paid: Mapping[int, int], *, transaction_id: int | None = None) -> int:
    """Earn the points the deposit money per campaign (``{campaign: NT$}``) is worth; return the points added.

    Earning is by target: a campaign's points are what its paid money is worth at its group's rate, less the
    points already earned on it. Points once earned are never taken back (a lower rate later earns nothing).
    """
    return earn_many(uow, {member_id: paid}, transaction_ids={member_id: transaction_id})[member_id]


def earn_many(uow: UnitOfWork, paid: Mapping[int, Mapping[int, int]], *,
              transaction_ids: Mapping[int, int | None] | None = None) -> dict[int, int]:
    """Return ``earn`` for many members (``{member: {campaign: NT$}}``): rates and points earned read in bulk."""
    rates = _rates(uow, {cid for per in paid.values() for cid, money in per.items() if money > 0})
    earners = [mid for mid, per in paid.items() if any(rates.get(cid) and money > 0 for cid, money in per.items())]
    earned = _earned_by_campaign(uow, earners)
    tx = transaction_ids or {}
    return {mid: _earn(uow, mid, per, rates, earned.get(mid, {}), tx.get(mid)) for mid, per in paid.items()}


def _earn(uow: UnitOfWork, member_id: int, paid: Mapping[int, int], rates: Mapping[int, int | None],
          earned: Mapping[int, int], transaction_id: int | None) -> int:
    """Write one member's points up to each campaign's target; return the points added."""
    added = 0
    for campaign_id, money in paid.items():
        rate = rates.get(campaign_id)
        if not rate or money <= 0:
            continue
        target = money // rate
        have = earned.get(campaign_id, 0)
        if target <= have:
            continue
        key = f"earned:m{member_id}:c{campaign_id}:{target}"
        row = add_entry(uow, member_id, cause="earned", amount=target - have, campaign_id=campaign_id,
                        transaction_id=transaction_id, note=f"第{campaign_id}團付款 ${money:,}（每 ${rate:,} 一點）",
                        created_by="auto", dedupe_key=key)
        added += row.amount if row is not None else 0
    return added


def _rates(uow: UnitOfWork, campaign_ids: set[int]) -> dict[int, int | None]:
    """Return the points rate of each campaign's group (one settings query per group)."""
    by_group: dict[int, int | None] = {}
    out: dict[int, int | None] = {}
    for campaign_id in sorted(campaign_ids):
        campaign = uow.session.get(Campaign, campaign_id)
        if campaign is None:
            out[campaign_id] = None
            continue
        if campaign.group_id not in by_group:
            by_group[campaign.group_id] = rate_of(uow, campaign.group_id)
        out[campaign_id] = by_group[campaign.group_id]
    return out


def _earned_by_campaign(uow: UnitOfWork, member_ids: Iterable[int]) -> dict[int, dict[int, int]]:
    """Return the points each member earned per campaign (members who earned none are absent)."""
    out: dict[int, dict[int, int]] = defaultdict(dict)
    for ids in id_lists(uow.dialect, member_ids):
        stmt = (
            select(PointEntry.member_id, PointEntry.campaign_id, func.sum(PointEntry.amount))
            .where(one_of(uow.dialect, PointEntry.member_id, ids), PointEntry.cause == "earned")
            .group_by(col(PointEntry.member_id), col(PointEntry.campaign_id))
        )
        for mid, cid, total in uow.session.exec(stmt).all():
            if cid is not None:
                out[mid][cid] = int(total or 0)
    return dict(out)


def redeem(uow: UnitOfWork, member: Member, points: int, *, group_id: int, by: str | None) -> int:
    """Turn a member's points into credit at the group's value; return the NT$ of credit added."""
    assert member.id is not None
    if points <= 0 or points > MAX_POINTS:
        raise DomainError("請寫要兌換幾點，例如：/點數 兌換 @成員 50。")
    have = balance(uow, member.id)
    if points > have:
        raise NotEnoughPoints(
            f"點數不夠：目前只有 {have:,} 點。請改成 /點數 兌換 @成員 {have}，或輸入 /點數 @成員 查看明細。"
            if have else "這位成員目前沒有點數。付款對帳後才會累積點數（/設定 集點 100 開啟集點）。"
        )
    value = value_of(uow, group_id)
    money = points * value
    add_entry(uow, member.id, cause="redeem", amount=-points, note=f"兌換購物金 ${money:,}", created_by=by)
    credit.add_entry(uow, member.id, cause="redeem", amount=money, note=f"{points:,} 點兌換", created_by=by)
    return money


def _scope(group_id: int) -> str:
    """Return the settings scope of a group."""
    return f"group:{group_id}"


def _setting(uow: UnitOfWork, group_id: int, key: str) -> Setting | None:
    stmt = select(Setting).where(Setting.scope == _scope(group_id), Setting.key == key)
    return uow.session.exec(stmt).first()


def rate_of(uow: UnitOfWork, group_id: int) -> int | None:
    """Return the NT$ paid per point in a group, or None when the group earns no points."""
    row = _setting(uow, group_id, RATE_KEY)
    return int(row.value) if row is not None and row.value.isdigit() and int(row.value) > 0 else None


def value_of(uow: UnitOfWork, group_id: int) -> int:
    """Return the NT$ of credit one point is worth when redeemed in a group."""
    row = _setting(uow, group_id, VALUE_KEY)
    return int(row.value) if row is not None and row.value.isdigit() and int(row.value) > 0 else DEFAULT_VALUE


def set_rate(uow: UnitOfWork, group_id: int, rate: int | None) -> None:
    """Set the NT$ paid per point (None turns points off)."""
    if rate is not None and not 1 <= rate <= MAX_RATE:
        raise DomainError(f"集點金額要在 1 到 {MAX_RATE:,} 元之間，例如：/設定 集點 100（每 100 元一點）。")
    _store(uow, group_id, RATE_KEY, "" if rate is None else str(rate))


def set_value(uow: UnitOfWork, group_id: int, value: int) -> None:
    """Set the NT$ of credit one point is worth."""
    if not 1 <= value <= 1000:
        raise DomainError("每點折抵金額要在 1 到 1,000 元之間，例如：/設定 點數折抵 1（1 點 = 1 元購物金）。")
    _store(uow, group_id, VALUE_KEY, str(value))


def _store(uow: UnitOfWork, group_id: int, key: str, value: str) -> None:
    row = _setting(uow, group_id, key) or Setting(scope=_scope(group_id), key=key)
    row.value = value
    uow.session.add(row)
