"""Purchases: one per member per campaign they received confirmed items from (profiles and reminders share it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from infra.db import UnitOfWork
from models import Campaign, Item, OrderLine

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


def purchases(uow: UnitOfWork, *, member_id: int | None = None) -> list[Purchase]:
    """Return purchases (confirmed quantities of campaigns not cancelled), ordered by member then date."""
    query = (
        select(OrderLine, Item, Campaign)
        .join(Item, col(Item.id) == col(OrderLine.item_id))
        .join(Campaign, col(Campaign.id) == col(OrderLine.campaign_id))
        .where(col(OrderLine.confirmed_qty) > 0, col(Campaign.status) != "cancelled")
    )
    if member_id is not None:
        query = query.where(OrderLine.member_id == member_id)
    totals: dict[tuple[int, int], tuple[Campaign, dict[str, int], int]] = {}
    for line, item, campaign in uow.session.exec(query).all():
        assert campaign.id is not None
        key = (line.member_id, campaign.id)
        _, items, amount = totals.get(key, (campaign, {}, 0))
        items[item.name] = items.get(item.name, 0) + line.confirmed_qty
        totals[key] = (campaign, items, amount + line.confirmed_qty * (item.price or 0))
    result = [
        Purchase(member_id=mid, campaign_id=cid, at=campaign_date(c), amount=amount, items=items)
        for (mid, cid), (c, items, amount) in totals.items()
    ]
    result.sort(key=lambda p: (p.member_id, p.at, p.campaign_id))
    return result
