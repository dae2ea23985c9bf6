"""``/到貨``: a campaign's goods arrived; store where and until when buyers pick them up, and who the buyers are."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import col, select

from infra.db import UnitOfWork
from models import Campaign, Member, Setting
from parsers.pickup import Pickup, default_deadline
from services import campaigns, order_views
from services.errors import DomainError
from services.order_views import ItemState

DAYS_KEY = "pickup.days"  # /設定 取貨期限 3: a deadline this many days after the first pickup day, when none is written
MAX_DAYS = 60


@dataclass(frozen=True)
class Buyer:
    """A member with confirmed items in an arrived campaign."""

    member: Member
    states: tuple[ItemState, ...]  # confirmed quantities only

    @property
    def amount(self) -> int:
        """Return what the confirmed items cost (before credit)."""
        return order_views.amount_due(self.states)


@dataclass(frozen=True)
class Arrival:
    """What ``announce`` did: the campaign with its pickup information, whether it was announced before, buyers."""

    campaign: Campaign
    updated: bool
    buyers: tuple[Buyer, ...]


def pick(uow: UnitOfWork, group_id: int, arg: str) -> Campaign:
    """Return the campaign ``/到貨`` means: by number, else the one closed campaign not yet arrived (or the last
    arrived one, to announce again)."""
    if arg.strip():
        campaign = campaigns.pick(uow, group_id, arg, include_closed=True)
    else:
        recent = campaigns.recent_in_group(uow, group_id, limit=20)
        waiting = [c for c in recent if c.status == "closed" and c.arrived_at is None]
        if len(waiting) > 1:
            numbers = "、".join(f"第{c.id}團「{c.title}」" for c in reversed(waiting))
            raise DomainError(f"有多個團還沒到貨：{numbers}。請加團號，例如「/到貨 {waiting[0].id}」，下一行寫取貨資訊。")
        arrived = [c for c in recent if c.arrived_at is not None]
        if waiting or arrived:
            campaign = (waiting or arrived)[0]
        elif recent:
            campaign = recent[0]
        else:
            raise DomainError("這個群組還沒有團。團主可以用 /開團 貼上團購文開團。")
    if campaign.status == "cancelled":
        raise DomainError(f"第{campaign.id}團已撤團，不能到貨通知。")
    if campaign.status == "open":
        raise DomainError(f"第{campaign.id}團【{campaign.title}】還在收單：請先 /截單 {campaign.id}，再 /到貨 {campaign.id}。")
    return campaign


def announce(uow: UnitOfWork, campaign: Campaign, pickup: Pickup, *, at: datetime) -> Arrival:
    """Store the pickup information (what was written replaces what was stored) and return the buyers."""
    if pickup.problems:
        raise DomainError("\n".join(pickup.problems))
    assert campaign.id is not None
    campaign = campaigns.lock(uow, campaign.id)
    updated = campaign.arrived_at is not None
    if not updated:
        campaign.arrived_at = at
    if pickup.place is not None:
        campaign.pickup_place = pickup.place
    if pickup.time_text is not None:
        campaign.pickup_time = pickup.time_text
        campaign.pickup_date = pickup.pickup_date
    if pickup.deadline is not None:
        campaign.pickup_deadline = pickup.deadline
    elif campaign.pickup_deadline is None and (days := pickup_days(uow, campaign.group_id)) is not None:
        campaign.pickup_deadline = default_deadline(at, campaign.pickup_date, days)
    uow.session.add(campaign)
    return Arrival(campaign, updated, tuple(buyers(uow, campaign)))


def buyers(uow: UnitOfWork, campaign: Campaign) -> list[Buyer]:
    """Return the members with confirmed items in a campaign, in order of their first comment."""
    out = []
    for member_id, states in order_views.roster(uow, campaign).items():
        confirmed = tuple(replace(s, qty=s.confirmed, waitlist_position=None) for s in states
                          if s.confirmed > 0 and s.for_member is None)
        member = uow.session.get(Member, member_id)
        if confirmed and member is not None:
            out.append(Buyer(member, confirmed))
    return out


def arrived_in_group(uow: UnitOfWork, group_id: int) -> list[Campaign]:
    """Return the group's arrived, non-cancelled campaigns, oldest first."""
    stmt = select(Campaign).where(
        Campaign.group_id == group_id, col(Campaign.arrived_at).is_not(None), Campaign.status != "cancelled"
    )
    return list(uow.session.exec(stmt.order_by(col(Campaign.id))).all())


def _setting(uow: UnitOfWork, group_id: int) -> Setting | None:
    stmt = select(Setting).where(Setting.scope == f"group:{group_id}", Setting.key == DAYS_KEY)
    return uow.session.exec(stmt).first()


def pickup_days(uow: UnitOfWork, group_id: int) -> int | None:
    """Return the default pickup window in days (None: no deadline unless the host writes one)."""
    row = _setting(uow, group_id)
    return int(row.value) if row is not None and row.value.isdigit() and int(row.value) > 0 else None


def set_pickup_days(uow: UnitOfWork, group_id: int, days: int | None) -> None:
    """Set the default pickup window (None turns it off)."""
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise DomainError(f"取貨期限要在 1 到 {MAX_DAYS} 天之間，例如：/設定 取貨期限 3（到貨後 3 天內取貨）。")
    row = _setting(uow, group_id) or Setting(scope=f"group:{group_id}", key=DAYS_KEY)
    row.value = "" if days is None else str(days)
    uow.session.add(row)
