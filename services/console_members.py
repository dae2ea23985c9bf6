"""The console's 會員 pages: a table of members (tags, survey answers, segment, orders, spend, last order, next
refill) filtered by tag or segment, and one member's history with a timeline of reminders and what followed.

The numbers are the members export's (profiles, tags, survey answers from the same services).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from infra.db import UnitOfWork
from models import Campaign, Member, ReminderSent
from services import profiles, purchases, segments, tags
from services.directory import label
from services.profiles import Profile
from services.survey_questions import describe

LIST_LIMIT = 300
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FOLLOW_DAYS = 14  # an order this soon after a reminder counts as what followed it
KIND_LABELS = {"refill": "補貨提醒", "tip": "保存小撇步", "winback": "回購邀請", "vip": "熟客感謝", "nps": "滿意度問卷"}


@dataclass(frozen=True)
class MemberRow:
    """One member in the table."""

    member: Member
    name: str
    tags: tuple[str, ...]
    survey: tuple[str, str, str]  # household, freezer, meals per week, as the member would say them
    profile: Profile

    @property
    def segment_label(self) -> str:
        """Return the segment in zh-TW (尚未下單 for a member who never bought)."""
        key = self.profile.segment
        return segments.SEGMENTS.get(key, key) if key else segments.NO_PURCHASE_LABEL


@dataclass(frozen=True)
class Touch:
    """A reminder sent to the member, and the purchase that followed it: the first campaign dated (services.purchases
    campaign_date) within FOLLOW_DAYS after it that the member bought in."""

    kind: str
    sent_at: datetime
    followed_by: str | None  # 第3團【…】 $540, ordered N days after


@dataclass(frozen=True)
class MemberPage:
    """One member: their row, their purchases (newest first) and their reminders."""

    row: MemberRow
    history: tuple[tuple[Campaign, purchases.Purchase], ...]
    touches: tuple[Touch, ...]


def member_rows(uow: UnitOfWork, *, tag: str | None = None, segment: str | None = None,
                now: datetime | None = None) -> list[MemberRow]:
    """Return members (newest buyers first), only those with ``tag`` or in ``segment`` (a key or zh-TW label)."""
    everyone = profiles.build_profiles(uow, now=now)
    members = tags.members_with_tag(uow, tag) if tag else uow.session.exec(select(Member)).all()
    key = segments.segment_key(segment) if segment else None
    rows = []
    for member in members:
        assert member.id is not None
        profile = everyone.get(member.id) or Profile(member_id=member.id)
        if segment and profile.segment != key and not (segment == segments.NO_PURCHASE_LABEL and profile.segment is None):
            continue
        rows.append(_row(uow, member, profile))
    rows.sort(key=lambda r: (r.profile.last_order_at or EPOCH, r.member.id or 0), reverse=True)
    return rows[:LIST_LIMIT]


def _row(uow: UnitOfWork, member: Member, profile: Profile) -> MemberRow:
    assert member.id is not None
    survey = (describe("household_size", None if member.household_size is None else str(member.household_size)),
              describe("freezer_size", member.freezer_size), describe("meals_per_week", member.meals_per_week))
    return MemberRow(member, label(member), tuple(tags.tags_of(uow, member.id)), survey, profile)


def member_page(uow: UnitOfWork, member_id: int, *, now: datetime | None = None) -> MemberPage | None:
    """Return one member's page, or None when there is no such member."""
    member = uow.session.get(Member, member_id)
    if member is None:
        return None
    bought = purchases.purchases(uow, member_id=member_id)
    campaigns = {c.id: c for c in uow.session.exec(
        select(Campaign).where(col(Campaign.id).in_({p.campaign_id for p in bought})))} if bought else {}
    sent = uow.session.exec(
        select(ReminderSent).where(ReminderSent.member_id == member_id, ReminderSent.status == "sent")
        .order_by(col(ReminderSent.sent_at).desc())
    ).all()
    touches = []
    for row in sent:
        at = row.sent_at or row.due_at
        after = next((p for p in bought if at <= p.at <= at + timedelta(days=FOLLOW_DAYS)), None)
        followed = None
        if after is not None:
            c = campaigns.get(after.campaign_id)
            followed = (f"第{after.campaign_id}團【{c.title if c else ''}】${after.amount:,}，"
                        f"{(after.at - at).days} 天後")
        touches.append(Touch(KIND_LABELS.get(row.kind, row.kind), at, followed))
    return MemberPage(
        _row(uow, member, profiles.profile_of(uow, member, now=now)),
        tuple((campaigns[p.campaign_id], p) for p in reversed(bought) if p.campaign_id in campaigns),
        tuple(touches),
    )
