"""The host changing an order by hand (the console): set a member's quantity of one item, or cancel it.

One transaction with the campaign row locked, like a comment: a cut comes off the member's newest lines (the oldest
keep their place in line), an increase is a new line sent now (behind earlier comments for limited stock), and freed
stock goes to the waitlist in send order. Every change is an ``OrderChange`` with action ``host`` whose source names
the host (``host:<LINE user id>``), so the book says who changed what and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from infra.db import UnitOfWork
from models import Campaign, Item, Member, OrderChange, OrderLine
from services import campaigns, order_book, order_views, variants
from services.errors import DomainError
from services.order_book import MAX_QTY, Promotion
from services.order_views import ItemState


@dataclass(frozen=True)
class HostEdit:
    """What a host's change did: the member's order now, and who got stock it freed."""

    campaign: Campaign
    member: Member
    item: Item
    before: int
    after: int
    states: tuple[ItemState, ...]
    promotions: tuple[Promotion, ...]

    @property
    def changed(self) -> bool:
        """Tell whether the quantity changed."""
        return self.before != self.after


def source_of(host_user_id: str) -> str:
    """Return the change source that names the host."""
    return f"host:{host_user_id}"[:64]


def host_set(uow: UnitOfWork, *, campaign_id: int, member_id: int, item_id: int, variant: str | None,
             guest: str | None, qty: int, host_user_id: str, at: datetime) -> HostEdit:
    """Set one member's quantity of an item (its variant, for a guest) to ``qty``; 0 cancels it."""
    campaign = campaigns.lock(uow, campaign_id)
    if campaign.status == "cancelled":
        raise DomainError(f"第{campaign_id}團已撤團，訂單不能再修改。")
    item = uow.session.get(Item, item_id)
    member = uow.session.get(Member, member_id)
    if item is None or item.campaign_id != campaign_id or member is None:
        raise DomainError("找不到這筆訂單，請重新整理頁面再試一次。")
    if not 0 <= qty <= MAX_QTY:
        raise DomainError(f"數量要在 0 到 {MAX_QTY} 之間（0 = 取消）。")
    lines = list(uow.session.exec(
        select(OrderLine).where(
            OrderLine.campaign_id == campaign_id, OrderLine.member_id == member_id, OrderLine.item_id == item_id,
            OrderLine.qty > 0, OrderLine.variant == variant if variant is not None else col(OrderLine.variant).is_(None),
            OrderLine.guest_name == guest if guest is not None else col(OrderLine.guest_name).is_(None),
        ).order_by(col(OrderLine.sent_at), col(OrderLine.id))
    ).all())
    before = sum(line.qty for line in lines)
    source = source_of(host_user_id)
    if qty > before:
        line = OrderLine(campaign_id=campaign_id, item_id=item_id, member_id=member_id, qty=qty - before,
                         confirmed_qty=0 if variants.is_limited(item) else qty - before, sent_at=at,
                         variant=variant, guest_name=guest)
        uow.session.add(line)
        uow.session.flush()
        assert line.id is not None
        uow.session.add(OrderChange(line_id=line.id, delta=qty - before, action="host", source_message_id=source))
    elif qty < before:
        order_book.reduce_lines(uow, lines, before - qty, action="host", message_id=source)
    promotions = order_book.allocate(uow, [item]) if qty != before else []
    uow.session.flush()
    states = order_views.member_state(uow, campaign, member_id)
    return HostEdit(campaign, member, item, before, qty, tuple(states),
                    tuple(p for p in promotions if p.member_id != member_id))
