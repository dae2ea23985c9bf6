"""What planning one clock tick asks about every member, each read once: groups, open campaigns, items, tags.

``services.lifecycle.plan`` looks at every eligible member; asking the database per member (which groups, which
campaign is open there, its items, the member's care tags) made a tick over 100,000 members take minutes. Group
membership is read only for the groups with a campaign taking orders (none: no membership read at all), and only
of the members being planned when they are given.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime

from sqlmodel import col, select

from infra.db import UnitOfWork
from infra.sql import one_of
from models import Campaign, GroupMember, Item, MemberTag
from services import campaigns


class Lookups:
    """Read-once views for one plan (a short read-only unit of work: nothing changes under it)."""

    def __init__(self, uow: UnitOfWork, among: Collection[int] | None = None) -> None:
        self.uow = uow
        self._among = among  # the members asked about (None: anyone)
        self._open: list[Campaign] | None = None
        self._taking: tuple[datetime, list[Campaign]] | None = None  # the open campaigns taking orders at a time
        self._members: dict[int, frozenset[int]] = {}  # group id -> its members (who have not left)
        self._tags: dict[int, list[str]] | None = None
        self._items: dict[int, list[Item]] = {}
        self._campaigns: dict[int, Campaign | None] = {}

    def campaign(self, campaign_id: int) -> Campaign | None:
        """Return a campaign by id (each read once)."""
        if campaign_id not in self._campaigns:
            self._campaigns[campaign_id] = self.uow.session.get(Campaign, campaign_id)
        return self._campaigns[campaign_id]

    def open_campaign_for(self, member_id: int, now: datetime) -> Campaign | None:
        """Return the newest campaign taking orders now in a group the member is in (has not left)."""
        return next((c for c in self.taking_orders(now) if member_id in self._members[c.group_id]), None)

    def taking_orders(self, now: datetime) -> list[Campaign]:
        """Return the campaigns taking orders at ``now``, newest first (their groups' members read once)."""
        if self._taking is not None and self._taking[0] == now:
            return self._taking[1]
        if self._open is None:
            stmt = select(Campaign).where(Campaign.status == "open").order_by(col(Campaign.id).desc())
            self._open = list(self.uow.session.exec(stmt).all())
        taking = [c for c in self._open if campaigns.accepts_orders_at(c, now)]
        self._read_members(sorted({c.group_id for c in taking} - set(self._members)))
        self._taking = (now, taking)
        return taking

    def _read_members(self, group_ids: list[int]) -> None:
        """Read who is in these groups (has not left), of the members asked about."""
        if not group_ids:
            return
        found: dict[int, set[int]] = {group_id: set() for group_id in group_ids}
        stmt = select(GroupMember.group_id, GroupMember.member_id).where(
            one_of(self.uow.dialect, GroupMember.group_id, group_ids), col(GroupMember.left_at).is_(None))
        if self._among is not None:
            stmt = stmt.where(one_of(self.uow.dialect, GroupMember.member_id, self._among))
        for group_id, member_id in self.uow.session.connection().execute(stmt):
            found[group_id].add(member_id)
        self._members.update((group_id, frozenset(ids)) for group_id, ids in found.items())

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
