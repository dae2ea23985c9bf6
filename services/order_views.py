"""Reading the order book: what a member has of each item, waitlist places, amounts due, totals and rosters."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, distinct, or_
from sqlmodel import col, func, select

from infra.db import UnitOfWork
from models import Campaign, Item, OrderLine
from services import pricing
from services.campaigns import items_of


@dataclass(frozen=True)
class ItemState:
    """What one member has of one item."""

    item: Item
    qty: int
    confirmed: int
    waitlist_position: int | None  # 1-based place in the item's waitlist, when some of it waits
    notes: tuple[str, ...] = ()  # what the member wrote beside their live lines (不要辣), oldest first, once each

    @property
    def waitlisted(self) -> int:
        """Return the quantity waiting for stock."""
        return self.qty - self.confirmed


def lines_by_item(uow: UnitOfWork, campaign_id: int, member_id: int) -> dict[int, list[OrderLine]]:
    """Return a member's live lines in a campaign per item id, oldest first (one query)."""
    stmt = select(OrderLine).where(
        OrderLine.campaign_id == campaign_id, OrderLine.member_id == member_id, OrderLine.qty > 0
    )
    by_item: dict[int, list[OrderLine]] = defaultdict(list)
    for line in uow.session.exec(stmt.order_by(col(OrderLine.sent_at), col(OrderLine.id))):
        by_item[line.item_id].append(line)
    return by_item


def member_state(uow: UnitOfWork, campaign: Campaign, member_id: int) -> list[ItemState]:
    """Return what a member has of each item in a campaign (items with nothing are left out)."""
    assert campaign.id is not None
    mine = lines_by_item(uow, campaign.id, member_id)
    out: list[ItemState] = []
    for item in items_of(uow, campaign.id):
        assert item.id is not None
        lines = mine.get(item.id, [])
        qty = sum(line.qty for line in lines)
        if qty == 0:
            continue
        confirmed = sum(line.confirmed_qty for line in lines)
        position = waitlist_position(uow, item, member_id) if confirmed < qty else None
        notes = tuple(dict.fromkeys(line.note for line in lines if line.note))
        out.append(ItemState(item=item, qty=qty, confirmed=confirmed, waitlist_position=position, notes=notes))
    return out


def waitlist_position(uow: UnitOfWork, item: Item, member_id: int) -> int | None:
    """Return the member's 1-based place among members waiting for an item (two small queries, no line loaded).

    Members wait in the order of their earliest waiting line: the place is one more than the number of other
    members with a waiting line sent before the member's earliest one.
    """
    waiting = (OrderLine.item_id == item.id, OrderLine.qty > col(OrderLine.confirmed_qty))
    first = uow.session.exec(
        select(OrderLine.sent_at, OrderLine.id)
        .where(*waiting, OrderLine.member_id == member_id)
        .order_by(col(OrderLine.sent_at), col(OrderLine.id))
        .limit(1)
    ).first()
    if first is None:
        return None
    sent_at, line_id = first
    before = or_(col(OrderLine.sent_at) < sent_at, and_(col(OrderLine.sent_at) == sent_at, col(OrderLine.id) < line_id))
    ahead = uow.session.exec(
        select(func.count(distinct(col(OrderLine.member_id)))).where(*waiting, before, OrderLine.member_id != member_id)
    ).one()
    return int(ahead) + 1


def amount_due(states: Iterable[ItemState]) -> int:
    """Return what confirmed quantities cost (waitlisted ones are not due)."""
    return sum(pricing.amount(s.item, s.confirmed) for s in states)


@dataclass(frozen=True)
class ItemTotals:
    """Campaign-wide totals for one item."""

    item: Item
    confirmed: int
    waitlisted: int
    amount: int = 0  # what the confirmed quantities cost, member by member (bundle prices are per member)

    @property
    def remaining(self) -> int | None:
        """Return stock left (None = unlimited)."""
        return None if self.item.stock_limit is None else max(0, self.item.stock_limit - self.confirmed)


def totals(uow: UnitOfWork, campaign: Campaign) -> list[ItemTotals]:
    """Return per-item confirmed and waitlisted totals."""
    assert campaign.id is not None
    out = []
    for item in items_of(uow, campaign.id):
        lines = uow.session.exec(select(OrderLine).where(OrderLine.item_id == item.id, OrderLine.qty > 0)).all()
        confirmed = sum(line.confirmed_qty for line in lines)
        per_member: dict[int, int] = defaultdict(int)
        for line in lines:
            per_member[line.member_id] += line.confirmed_qty
        out.append(ItemTotals(item=item, confirmed=confirmed, waitlisted=sum(line.qty for line in lines) - confirmed,
                              amount=sum(pricing.amount(item, qty) for qty in per_member.values())))
    return out


def roster(uow: UnitOfWork, campaign: Campaign) -> dict[int, list[ItemState]]:
    """Return every member's item states in a campaign, in order of their first comment."""
    assert campaign.id is not None
    member_ids = uow.session.exec(
        select(OrderLine.member_id)
        .where(OrderLine.campaign_id == campaign.id, OrderLine.qty > 0)
        .order_by(col(OrderLine.sent_at), col(OrderLine.id))
    ).all()
    ordered = list(dict.fromkeys(member_ids))
    return {m: member_state(uow, campaign, m) for m in ordered}


def campaigns_of_member(uow: UnitOfWork, member_id: int, *, group_id: int | None = None) -> list[Campaign]:
    """Return the non-cancelled campaigns a member has live lines in (newest first)."""
    stmt = (
        select(Campaign)
        .join(OrderLine, col(OrderLine.campaign_id) == col(Campaign.id))
        .where(OrderLine.member_id == member_id, OrderLine.qty > 0, Campaign.status != "cancelled")
        .distinct()
        .order_by(col(Campaign.id).desc())
    )
    if group_id is not None:
        stmt = stmt.where(Campaign.group_id == group_id)
    return list(uow.session.exec(stmt).all())
