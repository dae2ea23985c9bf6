"""What planning one clock tick asks about every member, each read once: groups, open campaigns, items, tags.

``services.lifecycle.plan`` looks at every eligible member; asking the database per member (which groups, which
campaign is open there, its items, the member's care tags) made a tick over 100,000 members take minutes.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlmodel import col, select

from infra.db import UnitOfWork
from models import Campaign, GroupMember, Item, MemberTag
from services import campaigns


class Lookups:
    """Read-once views for one plan (a short read-only unit of work: nothing changes under it)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._groups: dict[int, set[int]] | None = None
        self._open: list[Campaign] | None = None
        self._tags: dict[int, list[str]] | None = None
        self._items: dict[int, list[Item]] = {}
        self._campaigns: dict[int, Campaign | None] = {}

    def campaign(self, campaign_id: int) -> Campaign | None:
        """Return a campaign by id (each read once)."""
        if campaign_id not in self._campaigns:
            self._campaigns[campaign_id] = self.uow.session.get(Campaign, campaign_id)
        return self._campaigns[campaign_id]

    def groups_of(self, member_id: int) -> set[int]:
        """Return the groups the member is in (has not left)."""
        if self._groups is None:
            found: dict[int, set[int]] = defaultdict(set)
            rows = self.uow.session.exec(
                select(GroupMember.member_id, GroupMember.group_id).where(col(GroupMember.left_at).is_(None))
            ).all()
            for mid, gid in rows:
                found[mid].add(gid)
            self._groups = found
        return self._groups.get(member_id, set())

    def open_campaign_for(self, member_id: int, now: datetime) -> Campaign | None:
        """Return the newest campaign taking orders now in a group the member is in."""
        groups = self.groups_of(member_id)
        if not groups:
            return None
        if self._open is None:
            stmt = select(Campaign).where(Campaign.status == "open").order_by(col(Campaign.id).desc())
            self._open = list(self.uow.session.exec(stmt).all())
        return next((c for c in self._open if c.group_id in groups and campaigns.accepts_orders_at(c, now)), None)

    def items_of(self, campaign_id: int) -> list[Item]:
        """Return a campaign's items in order."""
        if campaign_id not in self._items:
            self._items[campaign_id] = campaigns.items_of(self.uow, campaign_id)
        return self._items[campaign_id]

    def tags_of(self, member_id: int) -> list[str]:
        """Return a member's accepted tags, oldest first."""
        if self._tags is None:
            found: dict[int, list[str]] = defaultdict(list)
            rows = self.uow.session.exec(
                select(MemberTag.member_id, MemberTag.tag).where(col(MemberTag.accepted).is_(True))
                .order_by(col(MemberTag.id))
            ).all()
            for mid, tag in rows:
                found[mid].append(tag)
            self._tags = found
        return self._tags.get(member_id, [])
