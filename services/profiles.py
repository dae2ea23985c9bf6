"""Member profiles: purchase history summed up, RFM scores, segment, next refill date."""

from __future__ import annotations

import importlib
import importlib.util
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlmodel import col, select

from infra.db import UnitOfWork
from models import Member
from models.base import utcnow
from services.purchases import TAIPEI, Purchase, purchases
from services.segments import NO_PURCHASE_LABEL, SEGMENTS, Rfm, rfm_scores, segment

RefillFn = Callable[[UnitOfWork, Member], datetime | None]


@dataclass(frozen=True)
class Profile:
    """What the bot knows about one member's buying."""

    member_id: int
    orders: int = 0
    items: dict[str, int] = field(default_factory=dict)
    spent: int = 0
    first_order_at: datetime | None = None
    last_order_at: datetime | None = None
    avg_interval_days: float | None = None
    recency_days: int | None = None
    rfm: Rfm | None = None
    segment: str | None = None
    next_refill_at: datetime | None = None

    @property
    def segment_label(self) -> str:
        """Return the zh-TW segment label."""
        return SEGMENTS[self.segment] if self.segment else NO_PURCHASE_LABEL


def _days_between(earlier: datetime, later: datetime) -> int:
    """Return whole calendar days (Asia/Taipei) from one moment to another."""
    return (later.astimezone(TAIPEI).date() - earlier.astimezone(TAIPEI).date()).days


def _summary(member_id: int, history: list[Purchase], now: datetime) -> Profile:
    if not history:
        return Profile(member_id=member_id)
    items: Counter[str] = Counter()
    for p in history:
        items.update(p.items)
    dates = [p.at for p in history]
    gaps = [_days_between(a, b) for a, b in zip(dates, dates[1:], strict=False)]
    recency = max(0, _days_between(dates[-1], now))
    return Profile(
        member_id=member_id,
        orders=len(history),
        items=dict(items.most_common()),
        spent=sum(p.amount for p in history),
        first_order_at=dates[0],
        last_order_at=dates[-1],
        avg_interval_days=round(sum(gaps) / len(gaps), 1) if gaps else None,
        recency_days=recency,
        segment=segment(len(history), recency),
    )


def profile_of(uow: UnitOfWork, member: Member, *, now: datetime | None = None) -> Profile:
    """Return one member's profile (scored against everyone who bought)."""
    assert member.id is not None
    return build_profiles(uow, now=now)[member.id]


def build_profiles(uow: UnitOfWork, *, now: datetime | None = None) -> dict[int, Profile]:
    """Return every member's profile, with RFM scored across members who bought at least once."""
    now = now or utcnow()
    history: dict[int, list[Purchase]] = defaultdict(list)
    for p in purchases(uow):
        history[p.member_id].append(p)
    members = uow.session.exec(select(Member).order_by(col(Member.id))).all()
    base = {m.id: _summary(m.id, history.get(m.id, []), now) for m in members if m.id is not None}
    buyers = {mid: p for mid, p in base.items() if p.orders}
    scores = rfm_scores(
        {mid: p.recency_days or 0 for mid, p in buyers.items()},
        {mid: p.orders for mid, p in buyers.items()},
        {mid: p.spent for mid, p in buyers.items()},
    )
    refill = _refill_function()
    by_id = {m.id: m for m in members}
    return {
        mid: _with(p, scores.get(mid), refill(uow, by_id[mid]) if refill else None) for mid, p in base.items()
    }


def _with(profile: Profile, rfm: Rfm | None, next_refill_at: datetime | None) -> Profile:
    return replace(profile, rfm=rfm, next_refill_at=next_refill_at)


def _refill_function() -> RefillFn | None:
    """Return ``services.refill.next_refill_at`` once the reminders work provides it, else None."""
    if importlib.util.find_spec("services.refill") is None:
        return None
    fn: RefillFn | None = getattr(importlib.import_module("services.refill"), "next_refill_at", None)
    return fn


def segment_counts(profiles: dict[int, Profile]) -> dict[str | None, int]:
    """Return how many members are in each segment (None = never bought), in label order."""
    counts: Counter[str | None] = Counter(p.segment for p in profiles.values())
    return {key: counts.get(key, 0) for key in [*SEGMENTS, None]}


def repurchase_rate(profiles: dict[int, Profile]) -> float | None:
    """Return members with ≥2 purchases / members with ≥1 (None when nobody bought)."""
    buyers = [p for p in profiles.values() if p.orders]
    return None if not buyers else sum(1 for p in buyers if p.orders >= 2) / len(buyers)
