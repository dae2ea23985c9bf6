"""Purchases: one per member per campaign they received confirmed items from (profiles and reminders share it)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from infra.db import UnitOfWork
from infra.sql import one_of
from models import Campaign, Item, OrderLine
from services import pricing

TAIPEI = ZoneInfo("Asia/Taipei")


@dataclass(frozen=True)
class Purchase:
    """What one member bought in one campaign: when, how much, which items (name → qty)."""

    member_id: int
    campaign_id: int
    at: datetime
    amount: int
    items: dict[str, int]


def campaign_date(campaign: Campaign) -> datetime:
    """Return when a campaign's purchases happened: delivery date (Taipei midnight), deadline, closed, opened."""
    if campaign.delivery_date is not None:
        return datetime.combine(campaign.delivery_date, time(0), tzinfo=TAIPEI)
    return campaign.deadline or campaign.closed_at or campaign.opened_at


def purchases(uow: UnitOfWork, *, member_id: int | None = None,
              member_ids: Collection[int] | None = None) -> list[Purchase]:
    """Return purchases (confirmed quantities of campaigns not cancelled), ordered by member then date.

    Of one member, of ``member_ids``, or of everyone. Reads the order lines as plain rows (no ORM objects) and each
    campaign and item once; each item and quantity is priced once (a clock tick plans over every member).
    """
    query = (
        select(OrderLine.member_id, OrderLine.campaign_id, OrderLine.item_id, OrderLine.confirmed_qty)
        .join(Campaign, col(Campaign.id) == col(OrderLine.campaign_id))
        .where(col(OrderLine.confirmed_qty) > 0, col(Campaign.status) != "cancelled")
    )
    if member_id is not None:
        query = query.where(OrderLine.member_id == member_id)
    conn = uow.session.connection()
    if member_ids is not None:
        if not member_ids:
            return []
        query = query.where(one_of(uow.dialect, OrderLine.member_id, member_ids))
    rows = conn.execute(query).all()
    bought: dict[tuple[int, int], dict[int, int]] = {}  # (member, campaign) -> item -> qty
    for mid, cid, item_id, qty in rows:
        lines = bought.get((mid, cid))
        if lines is None:
            bought[(mid, cid)] = {item_id: qty}
        else:
            lines[item_id] = lines.get(item_id, 0) + qty
    campaign_ids = sorted({cid for _, cid in bought})
    dates: dict[int, datetime] = {}
    items: dict[int, Item] = {}
    for start in range(0, len(campaign_ids), 500):
        chunk = campaign_ids[start : start + 500]
        dates.update((c.id or 0, campaign_date(c)) for c in uow.session.exec(select(Campaign).where(col(Campaign.id).in_(chunk))))
        items.update((i.id or 0, i) for i in uow.session.exec(select(Item).where(col(Item.campaign_id).in_(chunk))))
    prices: dict[tuple[int, int], int] = {}
    result = [
        Purchase(member_id=mid, campaign_id=cid, at=dates[cid],
                 amount=sum(_price(prices, items[item_id], qty) for item_id, qty in lines.items()),  # bundles per member
                 items=_by_name(items, lines))
        for (mid, cid), lines in bought.items()
    ]
    result.sort(key=lambda p: (p.member_id, p.at, p.campaign_id))
    return result


def _price(seen: dict[tuple[int, int], int], item: Item, qty: int) -> int:
    """Return what ``qty`` of the item costs one member (each item and quantity priced once)."""
    key = (item.id or 0, qty)
    if key not in seen:
        seen[key] = pricing.amount(item, qty)
    return seen[key]


def recent_buyers(uow: UnitOfWork, since: datetime) -> set[int]:
    """Return the members with a purchase (of a campaign not cancelled) dated after ``since``."""
    stmt = select(Campaign).where(col(Campaign.status) != "cancelled")
    recent = sorted(c.id for c in uow.session.exec(stmt).all() if c.id is not None and campaign_date(c) > since)
    if not recent:
        return set()
    return set(uow.session.exec(
        select(OrderLine.member_id).where(one_of(uow.dialect, OrderLine.campaign_id, recent),
                                          col(OrderLine.confirmed_qty) > 0).distinct()
    ).all())


def _by_name(items: dict[int, Item], lines: dict[int, int]) -> dict[str, int]:
    """Return quantities by item name (two items of one name add up)."""
    if len(lines) == 1:
        (item_id, qty), = lines.items()
        return {items[item_id].name: qty}
    out: dict[str, int] = {}
    for item_id, qty in lines.items():
        name = items[item_id].name
        out[name] = out.get(name, 0) + qty
    return out
