"""The console's 團 pages: every campaign at a glance, and one campaign's book by member, by item and its waitlist.

Built only from the order views and the payment accounts the chat, /統計, /名單 and the exports use.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlmodel import col, select

from infra.db import UnitOfWork
from models import Campaign, Group, Item, Member, OrderLine
from services import order_views, payments
from services.campaigns import items_of
from services.directory import label
from services.order_views import ItemState, ItemTotals
from services.reconcile import PaymentStatus

LIST_LIMIT = 60


@dataclass(frozen=True)
class CampaignSummary:
    """One campaign in the list."""

    campaign: Campaign
    group_name: str
    buyers: int
    sales: int


@dataclass(frozen=True)
class MemberRow:
    """One member's order in a campaign, and where their payment for it stands."""

    member_id: int
    name: str
    states: tuple[ItemState, ...]
    due: int  # what the confirmed quantities cost (bundle prices per person)
    to_pay: int  # after credit
    paid: int
    status: PaymentStatus


@dataclass(frozen=True)
class Waiting:
    """A member waiting for an item (候補), in the order stock would reach them."""

    item: Item
    variant: str | None
    name: str
    qty: int
    position: int


@dataclass(frozen=True)
class CampaignPage:
    """One campaign's book."""

    campaign: Campaign
    group_name: str
    totals: tuple[ItemTotals, ...]
    members: tuple[MemberRow, ...]
    waitlist: tuple[Waiting, ...]

    @property
    def sales(self) -> int:
        """Return what the confirmed orders cost in all."""
        return sum(t.amount for t in self.totals)


def campaign_list(uow: UnitOfWork) -> list[CampaignSummary]:
    """Return the newest campaigns first, open ones before the rest."""
    rows = uow.session.exec(
        select(Campaign, Group).join(Group, col(Group.id) == Campaign.group_id)
        .order_by(col(Campaign.status) != "open", col(Campaign.id).desc()).limit(LIST_LIMIT)
    ).all()
    out = []
    for campaign, group in rows:
        totals = order_views.totals(uow, campaign)
        out.append(CampaignSummary(campaign, group.name or "群組", len(order_views.roster(uow, campaign)),
                                   sum(t.amount for t in totals)))
    return out


def campaign_page(uow: UnitOfWork, campaign_id: int) -> CampaignPage | None:
    """Return one campaign's book, or None when there is no such campaign."""
    campaign = uow.session.get(Campaign, campaign_id)
    if campaign is None:
        return None
    group = uow.session.get(Group, campaign.group_id)
    members = []
    book = order_views.roster(uow, campaign)
    people = {m.id: m for m in uow.session.exec(select(Member).where(col(Member.id).in_(list(book)))).all()} if book else {}
    accounts = payments.accounts(uow, people.values(), campaign_id=campaign_id)  # in bulk, as /對帳 reads them
    for member_id, states in book.items():
        member, account = people[member_id], accounts[member_id]
        line = next((c for c in account.lines if c.campaign is not None and c.campaign.id == campaign_id), None)
        members.append(MemberRow(
            member_id, label(member), tuple(states), order_views.amount_due(states),
            line.to_pay if line else 0, line.paid if line else 0, line.status(account.claim_state) if line else "unpaid",
        ))
    return CampaignPage(campaign, (group.name if group else None) or "群組", tuple(order_views.totals(uow, campaign)),
                        tuple(members), tuple(_waitlist(uow, campaign_id)))


def _waitlist(uow: UnitOfWork, campaign_id: int) -> list[Waiting]:
    """Return who waits for each item, members in the order of their earliest waiting line (as stock is given)."""
    lines = uow.session.exec(
        select(OrderLine).where(OrderLine.campaign_id == campaign_id, OrderLine.qty > col(OrderLine.confirmed_qty))
        .order_by(col(OrderLine.sent_at), col(OrderLine.id))
    ).all()
    names = {m.id: label(m) for m in uow.session.exec(
        select(Member).where(col(Member.id).in_({ln.member_id for ln in lines}))).all()} if lines else {}
    out: list[Waiting] = []
    for item in items_of(uow, campaign_id):
        waiting: dict[tuple[int, str | None], int] = defaultdict(int)
        for line in (ln for ln in lines if ln.item_id == item.id):
            waiting[(line.member_id, line.variant)] += line.qty - line.confirmed_qty
        places = {m: n for n, m in enumerate(dict.fromkeys(m for m, _v in waiting), start=1)}
        out.extend(Waiting(item, variant, names.get(member, "?"), qty, places[member])
                   for (member, variant), qty in waiting.items())
    return out
