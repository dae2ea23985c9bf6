"""Insert campaigns, items and confirmed order lines directly, for realistic multi-month histories."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from infra.db import UnitOfWork
from models import Campaign, Item, Member, OrderLine
from services import directory
from services.purchases import TAIPEI
from tests.factories.webhook import GROUP_ID, HOST_ID, member_id

STANDARD_ITEMS: dict[str, tuple[str, int]] = {"A": ("手工水餃", 180), "B": ("舒肥雞胸", 250), "C": ("高麗菜", 60)}


@dataclass
class CampaignFixture:
    """A stored campaign and its items by code."""

    campaign: Campaign
    items: dict[str, Item]


def add_member(uow: UnitOfWork, n: int, name: str | None = None, **fields: object) -> Member:
    """Store member ``n`` (``member_id(n)``) in the test group, with a display name and any fields."""
    group = directory.ensure_group(uow, GROUP_ID)
    member = directory.ensure_member(uow, member_id(n), group=group)
    member.display_name = name
    for key, value in fields.items():
        setattr(member, key, value)
    uow.session.add(member)
    uow.session.flush()
    return member


def add_campaign(
    uow: UnitOfWork,
    title: str,
    *,
    delivery: date | None = None,
    deadline: datetime | None = None,
    status: str = "closed",
    items: Mapping[str, tuple[str, int]] = STANDARD_ITEMS,
) -> CampaignFixture:
    """Store a campaign delivered on ``delivery`` (or with only a deadline) and its items."""
    group = directory.ensure_group(uow, GROUP_ID)
    assert group.id is not None
    anchor = deadline or datetime.combine(delivery or date(2026, 1, 1), time(12), tzinfo=TAIPEI)
    campaign = Campaign(
        group_id=group.id, title=title, status=status, deadline=deadline, delivery_date=delivery,
        opened_by=HOST_ID, opened_at=anchor.astimezone(UTC),
    )
    uow.session.add(campaign)
    uow.session.flush()
    assert campaign.id is not None
    stored = {}
    for position, (code, (name, price)) in enumerate(items.items()):
        item = Item(campaign_id=campaign.id, code=code, name=name, price=price, position=position)
        uow.session.add(item)
        stored[code] = item
    uow.session.flush()
    return CampaignFixture(campaign=campaign, items=stored)


def add_order(
    uow: UnitOfWork, fixture: CampaignFixture, member: Member, basket: Mapping[str, int],
    *, confirmed: Mapping[str, int] | None = None,
) -> None:
    """Store one order line per item code; ``confirmed`` overrides the confirmed quantity (waitlist)."""
    assert member.id is not None and fixture.campaign.id is not None
    for code, qty in basket.items():
        item = fixture.items[code]
        assert item.id is not None
        uow.session.add(
            OrderLine(
                campaign_id=fixture.campaign.id, item_id=item.id, member_id=member.id, qty=qty,
                confirmed_qty=(confirmed or {}).get(code, qty), sent_at=fixture.campaign.opened_at,
            )
        )
    uow.session.flush()


def taipei(year: int, month: int, day: int, hour: int = 12) -> datetime:
    """Return an aware Asia/Taipei datetime."""
    return datetime(year, month, day, hour, tzinfo=TAIPEI)


def ms(moment: datetime) -> int:
    """Return a webhook timestamp (ms since epoch) for a moment."""
    return int(moment.timestamp() * 1000)
