"""Taking an order from a comment: lock the campaign, apply the cutoff, then apply the member's intents.

The handler reads the comment and phrases what happened; the decisions live here and come back as an outcome
(applied, or a question to ask the member) or a domain error (``CampaignClosed``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlmodel import col, select

from infra.db import UnitOfWork
from models import Campaign, Member, OrderRequest
from parsers.comment import CommentResult, Intent
from services import blocklist, campaigns, directory, order_book, order_requests
from services.errors import CampaignClosed
from services.order_book import Promotion


class Closed(CampaignClosed):
    """The campaign stopped taking orders before the comment was sent; ``campaign`` says which and since when."""

    def __init__(self, campaign: Campaign) -> None:
        super().__init__(f"第{campaign.id}團已截單")
        self.campaign = campaign


@dataclass(frozen=True)
class Outcome:
    """What a comment did: ``applied`` (the member's lines changed, or not) or ``ask`` (what it meant)."""

    kind: Literal["applied", "ask"]
    campaign: Campaign
    member_id: int | None = None
    changed: bool = False
    promotions: tuple[Promotion, ...] = ()


def open_campaign(uow: UnitOfWork, campaign_id: int, sent_at: datetime) -> Campaign:
    """Lock a campaign for an order change, closing it first if its deadline passed; raise Closed if closed."""
    campaign = campaigns.lock(uow, campaign_id)
    campaigns.close_if_past_deadline(uow, campaign, sent_at)
    if not campaigns.accepts_orders_at(campaign, sent_at):
        raise Closed(campaign)
    return campaign


def take(uow: UnitOfWork, *, campaign_id: int, user_id: str, result: CommentResult, message_id: str | None,
         sent_at: datetime, large_confirmed: bool = False) -> Outcome:
    """Apply a read comment to a campaign, in one transaction with the campaign row locked (no overselling).

    A comment the reader is unsure of comes back as ``ask`` (a large quantity is applied once the member
    confirmed it); a campaign past its cutoff at ``sent_at`` raises Closed, a member the host blocked in the
    campaign's group raises ``blocklist.Blocked`` (nothing changes).
    """
    campaign = open_campaign(uow, campaign_id, sent_at)
    blocklist.refuse_blocked(uow, campaign, user_id)
    if result.status == "ask" and not (result.reason == "large_qty" and large_confirmed):
        return Outcome("ask", campaign)
    member = directory.ensure_member(uow, user_id)
    assert member.id is not None
    applied = order_book.apply_intents(uow, campaign=campaign, member=member, intents=result.intents,
                                       message_id=message_id, sent_at=sent_at)
    return Outcome("applied", campaign, member.id, applied.changed, applied.promotions)


@dataclass(frozen=True)
class Copied:
    """A 「同上」 / quoted 「+1」 read as an order: the intents copied and whose order they copy."""

    result: CommentResult
    whose: str


PREVIOUS_LOOKBACK = 20  # 「同上」 without a quote looks this many requests back for the last order that added


def same_as(
    uow: UnitOfWork, *, campaign_id: int, user_id: str, result: CommentResult, quoted_id: str | None,
    sent_at: datetime,
) -> Copied | None:
    """Turn a "same as them" comment into the order it copies, or None when there is none to copy.

    Quoting (LINE's quotedMessageId) copies the quoted comment's order; 「同上」 without a quote copies the last
    comment before it in this campaign, by another member, that ordered something. What is copied is what that
    comment added or set (its variants too), for the member (or whom they name: 幫小明同上), at the quantities it
    had or, with 「同上 各2」-style counts, at that many of each; its notes and 代訂 names stay theirs.
    """
    same = result.intents[0] if result.intents else Intent("same", None, None)
    member = directory.find_member(uow, user_id)
    source: OrderRequest | None = None
    if quoted_id is not None:
        found = order_requests.find(uow, quoted_id)
        source = found if found is not None and found.campaign_id == campaign_id else None
    else:
        rows = uow.session.exec(
            select(OrderRequest)
            .where(OrderRequest.campaign_id == campaign_id, col(OrderRequest.sent_at) < sent_at)
            .order_by(col(OrderRequest.sent_at).desc(), col(OrderRequest.id).desc())
            .limit(PREVIOUS_LOOKBACK)
        ).all()
        source = next((r for r in rows if (member is None or r.member_id != member.id) and _adds(r)), None)
    if source is None or not _adds(source):
        return None
    copied = tuple(
        Intent("add", i.item, same.qty or i.qty, variant=i.variant, for_name=same.for_name)
        for i in _adds(source)
    )
    owner = uow.session.get(Member, source.member_id)
    return Copied(CommentResult("order", copied), directory.label(owner) if owner else "樓上")


def _adds(request: OrderRequest) -> list[Intent]:
    """Return what a request ordered: its add and set intents that name an item and a quantity."""
    return [i for i in order_requests.intents_of(request)
            if i.action in ("add", "set") and i.item is not None and i.qty]
