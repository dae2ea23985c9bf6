"""Taking an order from a comment: lock the campaign, apply the cutoff, then apply the member's intents.

The handler reads the comment and phrases what happened; the decisions live here and come back as an outcome
(applied, or a question to ask the member) or a domain error (``CampaignClosed``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from infra.db import UnitOfWork
from models import Campaign
from parsers.comment import CommentResult
from services import campaigns, directory, order_book
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
    confirmed it); a campaign past its cutoff at ``sent_at`` raises Closed.
    """
    campaign = open_campaign(uow, campaign_id, sent_at)
    if result.status == "ask" and not (result.reason == "large_qty" and large_confirmed):
        return Outcome("ask", campaign)
    member = directory.ensure_member(uow, user_id)
    assert member.id is not None
    applied = order_book.apply_intents(uow, campaign=campaign, member=member, intents=result.intents,
                                       message_id=message_id, sent_at=sent_at)
    return Outcome("applied", campaign, member.id, applied.changed, applied.promotions)
