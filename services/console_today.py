"""The console's 今日 page: what a host needs at a glance, from the same services as the chat and the exports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select

from infra.config import Settings
from infra.db import UnitOfWork
from models import Campaign, Group, OrderLine
from services import order_views, payment_report, reminders, variants


@dataclass(frozen=True)
class OpenCampaign:
    """An open campaign: time left, buyers, sales so far and the stock left of its limited items."""

    campaign: Campaign
    group_name: str
    minutes_left: int | None  # None: no deadline
    buyers: int
    sales: int
    stock_left: tuple[tuple[str, int], ...]  # ("B 韭菜水餃", 3), ("A 水餃（辣味）", 0)


@dataclass(frozen=True)
class Today:
    """The 今日 page's numbers."""

    open_campaigns: tuple[OpenCampaign, ...]
    to_collect: int  # due after credit over every member with orders
    received: int
    unpaid: int  # still to be paid
    unpaid_members: int
    pickups_pending: int  # members with items of arrived campaigns not yet picked up
    reminders_next_7_days: tuple[reminders.Due, ...]


def today(uow: UnitOfWork, settings: Settings, now: datetime) -> Today:
    """Return the 今日 page for the host at ``now``."""
    overview = payment_report.overview(uow)
    accounts = [a for a in overview.accounts if a.to_pay > 0 or a.received]
    return Today(
        open_campaigns=tuple(_open(uow, now)),
        to_collect=sum(a.to_pay for a in accounts),
        received=sum(a.received - a.to_credit for a in accounts),
        unpaid=sum(max(0, a.remaining) for a in accounts),
        unpaid_members=sum(1 for a in accounts if a.remaining > 0),
        pickups_pending=_pickups_pending(uow),
        reminders_next_7_days=tuple(reminders.preview(uow, settings, now, days=7)),
    )


def _open(uow: UnitOfWork, now: datetime) -> list[OpenCampaign]:
    rows = uow.session.exec(
        select(Campaign, Group).join(Group, col(Group.id) == Campaign.group_id)
        .where(Campaign.status == "open").order_by(col(Campaign.deadline).asc().nulls_last(), col(Campaign.id))
    ).all()
    out = []
    for campaign, group in rows:
        if campaign.deadline is not None and campaign.deadline <= now:
            continue  # past its deadline: closed in effect, the next comment closes it
        totals = order_views.totals(uow, campaign)
        stock: list[tuple[str, int]] = []
        for t in totals:
            if t.remaining is not None:
                stock.append((f"{t.item.code} {t.item.name}", t.remaining))
            limits = variants.limits_of(t.item)
            for name, confirmed, _waiting in t.variants:
                if name in limits:
                    stock.append((f"{t.item.code} {t.item.name}（{name}）", max(0, limits[name] - confirmed)))
        left = None if campaign.deadline is None else int((campaign.deadline - now).total_seconds() // 60)
        out.append(OpenCampaign(campaign, group.name or "群組", left, len(order_views.roster(uow, campaign)),
                                sum(t.amount for t in totals), tuple(stock)))
    return out


def _pickups_pending(uow: UnitOfWork) -> int:
    count = uow.session.exec(
        select(func.count(func.distinct(OrderLine.member_id)))
        .join(Campaign, col(Campaign.id) == OrderLine.campaign_id)
        .where(col(Campaign.arrived_at).is_not(None), Campaign.status != "cancelled",
               OrderLine.confirmed_qty > 0, OrderLine.pickup_status == "pending")
    ).one()
    return int(count or 0)
