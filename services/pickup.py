"""``/取貨`` and ``/未取``: tick off what a member picked up (or undo a mistaken tick), and who has not yet."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from infra.db import UnitOfWork
from models import Campaign, Member, OrderLine
from services import order_views, payments
from services.arrival import arrived_in_group, buyers
from services.order_views import ItemState

CONFIRMED = OrderLine.confirmed_qty > 0


@dataclass(frozen=True)
class CampaignPickup:
    """A member's confirmed items of one arrived campaign."""

    campaign: Campaign
    states: tuple[ItemState, ...]

    @property
    def amount(self) -> int:
        """Return what these items cost (before credit)."""
        return order_views.amount_due(self.states)


@dataclass(frozen=True)
class Ticked:
    """What ``mark`` or ``unmark`` did for one member."""

    member: Member
    changed: tuple[CampaignPickup, ...]  # campaigns whose lines changed now
    unchanged: tuple[CampaignPickup, ...]  # campaigns already in the asked state
    late: tuple[int, ...] = ()  # campaigns picked after their deadline (the no-show stays on record)
    owed: int = 0  # what the member still has to pay, after credit (all campaigns)
    picked_at: datetime | None = None  # when the unchanged ones were ticked off, if they were


def _lines(uow: UnitOfWork, member_id: int, campaign_ids: list[int]) -> list[OrderLine]:
    """Return a member's confirmed lines in these campaigns."""
    if not campaign_ids:
        return []
    stmt = select(OrderLine).where(OrderLine.member_id == member_id, CONFIRMED,
                                   col(OrderLine.campaign_id).in_(campaign_ids))
    return list(uow.session.exec(stmt.order_by(col(OrderLine.id))).all())


def _scope(uow: UnitOfWork, group_id: int, campaign_id: int | None) -> list[Campaign]:
    """Return the arrived campaigns a tick applies to (one when a number is given)."""
    arrived = arrived_in_group(uow, group_id)
    return [c for c in arrived if campaign_id is None or c.id == campaign_id]


def owed(uow: UnitOfWork, member: Member, campaign_ids: set[int] | None = None) -> int:
    """Return what a member still has to pay after credit (over some campaigns, or all)."""
    account = payments.account(uow, member)
    lines = [c for c in account.lines if c.campaign is not None and (campaign_ids is None or c.campaign.id in campaign_ids)]
    return sum(max(0, c.to_pay - c.paid) for c in lines)


def mark(uow: UnitOfWork, group_id: int, member: Member, *, at: datetime, campaign_id: int | None = None,
         undo: bool = False) -> Ticked:
    """Mark a member's confirmed items of the group's arrived campaigns picked up (``undo``: back to pending)."""
    assert member.id is not None
    scope = {c.id: c for c in _scope(uow, group_id, campaign_id)}
    by_campaign: dict[int, list[OrderLine]] = defaultdict(list)
    for line in _lines(uow, member.id, [cid for cid in scope if cid is not None]):
        by_campaign[line.campaign_id].append(line)
    changed, unchanged, late = [], [], []
    stamps = [ln.picked_up_at for lines in by_campaign.values() for ln in lines if ln.picked_up_at is not None]
    for cid, lines in by_campaign.items():
        campaign = scope[cid]
        todo = [ln for ln in lines if (ln.pickup_status == "picked") == undo]
        states = tuple(s for s in _states(uow, campaign, member.id) if s.confirmed > 0)
        if not todo:
            unchanged.append(CampaignPickup(campaign, states))
            continue
        if not undo and any(ln.pickup_status == "no_show" for ln in todo):
            late.append(cid)
        for line in todo:
            line.pickup_status = "pending" if undo else "picked"
            line.picked_up_at = None if undo else at
            uow.session.add(line)
        changed.append(CampaignPickup(campaign, states))
    uow.session.flush()
    return Ticked(member, tuple(changed), tuple(unchanged), tuple(late), owed(uow, member),
                  max(stamps) if stamps and not changed else None)


def _states(uow: UnitOfWork, campaign: Campaign, member_id: int) -> list[ItemState]:
    """Return a member's confirmed states in a campaign (what is picked up), without what they placed for others."""
    return [s for s in order_views.member_state(uow, campaign, member_id) if s.confirmed > 0]


@dataclass(frozen=True)
class Waiting:
    """A member who has not picked up (some of) their items of the campaigns in scope."""

    member: Member
    campaigns: tuple[CampaignPickup, ...]
    no_show: tuple[int, ...]  # of those, campaigns past their deadline (a no-show was recorded)
    owed: int  # still to pay for these campaigns, after credit

    @property
    def amount(self) -> int:
        """Return what the waiting items cost (before credit)."""
        return sum(c.amount for c in self.campaigns)


def not_picked(uow: UnitOfWork, group_id: int, campaign_id: int | None = None) -> tuple[list[Campaign], list[Waiting]]:
    """Return the arrived campaigns in scope and who has not picked up, in order of their first comment."""
    scope = _scope(uow, group_id, campaign_id)
    waiting: dict[int, tuple[Member, list[CampaignPickup], list[int]]] = {}
    for campaign in scope:
        assert campaign.id is not None
        pending = dict(uow.session.exec(
            select(OrderLine.member_id, OrderLine.pickup_status).where(
                OrderLine.campaign_id == campaign.id, CONFIRMED, col(OrderLine.pickup_status) != "picked",
            )
        ).all())
        for buyer in buyers(uow, campaign):
            if buyer.member.id not in pending:
                continue
            member, held, missed = waiting.setdefault(buyer.member.id, (buyer.member, [], []))
            held.append(CampaignPickup(campaign, buyer.states))
            if pending[buyer.member.id] == "no_show":
                missed.append(campaign.id)
    out = [Waiting(member, tuple(held), tuple(missed), owed(uow, member, {c.campaign.id or 0 for c in held}))
           for member, held, missed in waiting.values()]
    return scope, out

