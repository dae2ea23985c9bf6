"""Purchases: one per member per campaign they received confirmed items from (profiles and reminders share it)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from infra.db import UnitOfWork
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
    bought: dict[tuple[int, int], tuple[Campaign, dict[int, tuple[Item, int]]]] = {}
    for line, item, campaign in uow.session.exec(query).all():
        assert campaign.id is not None and item.id is not None
        _, items = bought.setdefault((line.member_id, campaign.id), (campaign, {}))
        _, qty = items.get(item.id, (item, 0))
        items[item.id] = (item, qty + line.confirmed_qty)
    result = [
        Purchase(member_id=mid, campaign_id=cid, at=campaign_date(c),
                 amount=sum(pricing.amount(item, qty) for item, qty in items.values()),  # bundles priced per member
                 items=_by_name(items.values()))
        for (mid, cid), (c, items) in bought.items()
    ]
    result.sort(key=lambda p: (p.member_id, p.at, p.campaign_id))
    return result


def _by_name(items: Iterable[tuple[Item, int]]) -> dict[str, int]:
    """Return quantities by item name (two items of one name add up)."""
    out: dict[str, int] = {}
    for item, qty in items:
        out[item.name] = out.get(item.name, 0) + qty
    return out
