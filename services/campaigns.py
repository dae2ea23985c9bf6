"""Campaigns: open from an announcement, find the open ones, close, cancel."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import and_, col, or_, select

from infra.db import UnitOfWork
from models import Campaign, Group, Item
from parsers.announcement import Announcement
from services import pricing, variants
from services.errors import DomainError, NoOpenCampaign


def open_campaign(
    uow: UnitOfWork, *, group: Group, host_user_id: str, announcement: Announcement, text: str,
    message_id: str | None, at: datetime,
) -> tuple[Campaign, list[Item]]:
    """Create a campaign and its items from a parsed announcement."""
    assert group.id is not None
    campaign = Campaign(
        group_id=group.id, title=announcement.title[:200], announcement=text, deadline=announcement.deadline,
        delivery_date=announcement.delivery_date, opened_by=host_user_id, source_message_id=message_id,
        opened_at=at,
    )
    uow.session.add(campaign)
    uow.session.flush()
    assert campaign.id is not None
    items = [
        Item(campaign_id=campaign.id, code=it.code, name=it.name[:200], price=it.price, stock_limit=it.limit,
             unit=it.unit, position=n, tiers=pricing.encode_tiers(it.tiers), per_member_limit=it.per_member_limit,
             minimum=it.minimum, variant_names=variants.encode_names(it.variants),
             variant_limits=variants.encode_limits(it.variant_limits))
        for n, it in enumerate(announcement.items)
    ]
    uow.session.add_all(items)
    uow.session.flush()
    uow.forget(("items", campaign.id))
    uow.forget(("taking", group.id))
    return campaign, items


def accepts_orders_at(campaign: Campaign, at: datetime) -> bool:
    """Return True when a comment sent at ``at`` still counts (cutoff judged by send time)."""
    if campaign.status == "cancelled":
        return False
    if campaign.deadline is not None and at > campaign.deadline:
        return False
    return campaign.closed_at is None or at <= campaign.closed_at


def items_of(uow: UnitOfWork, campaign_id: int) -> list[Item]:
    """Return a campaign's items in announcement order."""
    def load() -> list[Item]:
        stmt = select(Item).where(Item.campaign_id == campaign_id).order_by(col(Item.position))
        return list(uow.session.exec(stmt).all())

    return list(uow.remember(("items", campaign_id), load))


def open_in_group(uow: UnitOfWork, group_id: int) -> list[Campaign]:
    """Return the group's campaigns still marked open, oldest first."""
    stmt = (
        select(Campaign)
        .where(Campaign.group_id == group_id, Campaign.status == "open")
        .order_by(col(Campaign.id))
    )
    return list(uow.session.exec(stmt).all())


def taking_comments(uow: UnitOfWork, group_id: int, at: datetime, grace: timedelta) -> list[Campaign]:
    """Return the campaigns a comment sent at ``at`` may be about, in one query.

    The open ones (oldest first), then those closed less than ``grace`` before ``at`` (newest first, at most five),
    so a late comment gets a polite "closed" answer instead of silence.
    """
    since = at - grace
    read: tuple[datetime, list[Campaign]] | None = uow.memo.get(("taking", group_id))
    if read is None or read[0] > since:  # a batch's comments come in send order: one query serves them all
        stmt = (
            select(Campaign)
            .where(
                Campaign.group_id == group_id,
                or_(Campaign.status == "open", and_(Campaign.status == "closed", col(Campaign.closed_at) > since)),
            )
            .order_by(col(Campaign.id))
        )
        read = (since, list(uow.session.exec(stmt).all()))
        uow.memo[("taking", group_id)] = read
    # The rows are this session's own: a close or cancel earlier in the transaction shows in their status.
    found = [c for c in read[1] if c.status == "open"
             or (c.status == "closed" and c.closed_at is not None and c.closed_at > since)]
    closed = [c for c in reversed(found) if c.status == "closed"][:5]
    return [c for c in found if c.status == "open"] + closed


def recent_in_group(uow: UnitOfWork, group_id: int, *, limit: int = 5) -> list[Campaign]:
    """Return the group's latest non-cancelled campaigns, newest first."""
    stmt = (
        select(Campaign)
        .where(Campaign.group_id == group_id, Campaign.status != "cancelled")
        .order_by(col(Campaign.id).desc())
        .limit(limit)
    )
    return list(uow.session.exec(stmt).all())


def pick(uow: UnitOfWork, group_id: int, arg: str, *, include_closed: bool = False) -> Campaign:
    """Return the campaign a host command means: by number (團號), else the only (latest) one."""
    arg = arg.strip().lstrip("#第").rstrip("團").strip()
    if arg:
        if not arg.isdigit():
            raise DomainError(f"看不懂團號「{arg[:10]}」：請輸入數字，例如「/統計 3」。")
        campaign = uow.session.get(Campaign, int(arg))
        if campaign is None or campaign.group_id != group_id:
            raise DomainError(f"這個群組沒有第 {arg} 團。輸入 /統計 看看目前的團。")
        return campaign
    candidates = open_in_group(uow, group_id)
    if not candidates and include_closed:
        candidates = recent_in_group(uow, group_id, limit=1)
    if not candidates:
        raise NoOpenCampaign("這個群組目前沒有進行中的團。團主可以用 /開團 貼上團購文開團。")
    if len(candidates) > 1:
        numbers = "、".join(f"第{c.id}團「{c.title}」" for c in candidates)
        raise DomainError(f"目前有多個團：{numbers}。請在指令後加團號，例如「/截單 {candidates[-1].id}」。")
    return candidates[0]


def close(uow: UnitOfWork, campaign: Campaign, *, at: datetime) -> None:
    """Close a campaign now: comments sent after ``at`` no longer count."""
    if campaign.status == "cancelled":
        raise DomainError(f"第{campaign.id}團已撤團，不能再截單。")
    campaign.status = "closed"
    campaign.closed_at = at if campaign.closed_at is None else min(campaign.closed_at, at)
    uow.session.add(campaign)


def cancel(uow: UnitOfWork, campaign: Campaign, *, at: datetime) -> None:
    """Cancel a campaign: its orders no longer count anywhere."""
    campaign.status = "cancelled"
    campaign.closed_at = campaign.closed_at or at
    uow.session.add(campaign)


def close_if_past_deadline(uow: UnitOfWork, campaign: Campaign, now: datetime) -> bool:
    """Mark an open campaign closed once its deadline has passed; return True if it changed."""
    if campaign.status == "open" and campaign.deadline is not None and now > campaign.deadline:
        campaign.status = "closed"
        campaign.closed_at = campaign.deadline
        uow.session.add(campaign)
        return True
    return False


def lock(uow: UnitOfWork, campaign_id: int) -> Campaign:
    """Lock the campaign row for this transaction so concurrent order changes serialise (re-read once locked)."""

    def load() -> Campaign:
        campaign = uow.session.get(
            Campaign, campaign_id, populate_existing=True, with_for_update=uow.dialect == "postgresql"
        )
        if campaign is None:
            raise LookupError(f"campaign {campaign_id} does not exist")
        return campaign

    return uow.remember(("locked", campaign_id), load)
