"""The 報表 numbers: sales per week, new vs returning buyers, repurchase, cohort retention, segments, NPS.

Pure functions over plain values (purchases, profiles, scores) plus one ``build_report`` that reads them from a
unit of work. Weeks and months are local (Asia/Taipei unless told otherwise); a purchase happens on its
campaign's date (``services.purchases.campaign_date``), the same date the profiles and the export use. What
reminders did is ``services.reminder_effect``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from infra.db import UnitOfWork
from models import ReminderSent
from services import profiles, segments
from services.profiles import Profile
from services.purchases import TAIPEI, Purchase, purchases
from services.reminder_effect import ReminderEffect, reminder_effect
from services.reminders import detail_of

WEEKS = 26
MONTHS = 12
RETENTION_OFFSETS = 5
MOVEMENT_DAYS = 30
NPS_DAYS = 365
NONE_KEY = "none"  # the segment key of members who never bought, in JSON


@dataclass(frozen=True)
class WeekSales:
    """NT$ sold in one ISO week (Monday start) and how many purchases made it."""

    week: str  # ISO week: 2026-W49
    start: date  # its Monday
    sales: int
    purchases: int


@dataclass(frozen=True)
class MonthBuyers:
    """Buyers in one month: new (their first purchase is in this month) and returning (bought before)."""

    month: str  # 2026-11
    new: int
    returning: int


@dataclass(frozen=True)
class Cohort:
    """Members whose first purchase fell in ``month``, how many bought twice or more, and their retention.

    ``retention[k - 1]`` is the share of the cohort with a purchase in month ``month + k`` (k = 1..5), None for
    a month that has not begun yet.
    """

    month: str
    size: int
    repeat: int
    retention: tuple[float | None, ...]

    @property
    def repurchase_rate(self) -> float:
        """Return the share of the cohort with two or more purchases."""
        return self.repeat / self.size


@dataclass(frozen=True)
class Repurchase:
    """Members with ≥2 purchases over members with ≥1 (``rate`` None when nobody bought)."""

    buyers: int
    repeat: int
    rate: float | None


@dataclass(frozen=True)
class Movement:
    """How many members were in segment ``before`` 30 days ago and are in ``after`` now (keys; ``none`` = no purchase)."""

    before: str
    after: str
    count: int


@dataclass(frozen=True)
class Nps:
    """The recommendation score: 100 × (promoters − detractors) / answers, None without answers."""

    asked: int
    answers: int
    promoters: int  # 9–10
    passives: int  # 7–8
    detractors: int  # 0–6
    score: int | None


@dataclass(frozen=True)
class Report:
    """Every number the 報表 page shows."""

    weeks: tuple[WeekSales, ...]
    months: tuple[MonthBuyers, ...]
    repurchase: Repurchase
    cohorts: tuple[Cohort, ...]
    segment_sizes: dict[str, int]  # segment key (``none`` = never bought) → members now
    movement: tuple[Movement, ...]
    nps: Nps
    reminders: ReminderEffect


def iso_week(moment: datetime, tz: ZoneInfo = TAIPEI) -> tuple[str, date]:
    """Return a moment's local ISO week label (2026-W49) and that week's Monday."""
    day = moment.astimezone(tz).date()
    year, week, weekday = day.isocalendar()
    return f"{year}-W{week:02d}", day - timedelta(days=weekday - 1)


def month_of(moment: datetime, tz: ZoneInfo = TAIPEI) -> str:
    """Return a moment's local month as 2026-11."""
    local = moment.astimezone(tz)
    return f"{local.year}-{local.month:02d}"


def add_months(month: str, k: int) -> str:
    """Return the month ``k`` months after ``month`` (both 2026-11 style)."""
    year, mon = (int(x) for x in month.split("-"))
    index = year * 12 + mon - 1 + k
    return f"{index // 12}-{index % 12 + 1:02d}"


def months_between(first: str, last: str) -> list[str]:
    """Return every month from ``first`` to ``last`` inclusive (empty when first is after last)."""
    out = []
    month = first
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


def sales_per_week(bought: Iterable[Purchase], now: datetime, *, weeks: int = WEEKS, tz: ZoneInfo = TAIPEI) -> list[WeekSales]:
    """Return NT$ sold per local ISO week for the ``weeks`` weeks ending with now's week, oldest first.

    A purchase counts in the week of its campaign date; weeks without purchases are 0; purchases dated before
    the first week or after now's week (a delivery still to come) are left out.
    """
    _, this_monday = iso_week(now, tz)
    mondays = [this_monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    sales: Counter[date] = Counter()
    count: Counter[date] = Counter()
    for p in bought:
        _, monday = iso_week(p.at, tz)
        sales[monday] += p.amount
        count[monday] += 1
    return [WeekSales(week=iso_week(datetime.combine(m, datetime.min.time(), tz), tz)[0], start=m,
                      sales=sales[m], purchases=count[m]) for m in mondays]


def _history(bought: Iterable[Purchase]) -> dict[int, list[Purchase]]:
    """Return each member's purchases, oldest first."""
    by_member: dict[int, list[Purchase]] = defaultdict(list)
    for p in sorted(bought, key=lambda p: (p.at, p.campaign_id)):
        by_member[p.member_id].append(p)
    return by_member


def _first_month(history: Mapping[int, Sequence[Purchase]], last_month: str, months: int, tz: ZoneInfo) -> str | None:
    """Return the first month to show: the first purchase's month, at most ``months`` months back."""
    if not history:
        return None
    first = min(month_of(h[0].at, tz) for h in history.values())
    return max(first, add_months(last_month, -(months - 1)))


def buyers_per_month(bought: Iterable[Purchase], now: datetime, *, months: int = MONTHS,
                     tz: ZoneInfo = TAIPEI) -> list[MonthBuyers]:
    """Return, per local month, distinct buyers who are new (first purchase ever in that month) or returning.

    Months run from the first purchase's month (at most ``months`` back) to now's month; a month without buyers
    is 0/0; purchases dated after now's month are left out. Empty when nobody ever bought.
    """
    history = _history(bought)
    last = month_of(now, tz)
    first = _first_month(history, last, months, tz)
    if first is None:
        return []
    new: Counter[str] = Counter()
    returning: Counter[str] = Counter()
    for purchases_of in history.values():
        first_month = month_of(purchases_of[0].at, tz)
        for month in sorted({month_of(p.at, tz) for p in purchases_of}):
            (new if month == first_month else returning)[month] += 1
    return [MonthBuyers(month=m, new=new[m], returning=returning[m]) for m in months_between(first, last)]


def repurchase(profiles_by_id: Mapping[int, Profile]) -> Repurchase:
    """Return the repurchase rate as ``services.profiles.repurchase_rate`` (and the export) define it."""
    buyers = sum(1 for p in profiles_by_id.values() if p.orders)
    repeat = sum(1 for p in profiles_by_id.values() if p.orders >= 2)
    return Repurchase(buyers=buyers, repeat=repeat, rate=profiles.repurchase_rate(dict(profiles_by_id)))


def cohorts(bought: Iterable[Purchase], now: datetime, *, months: int = MONTHS, offsets: int = RETENTION_OFFSETS,
            tz: ZoneInfo = TAIPEI) -> list[Cohort]:
    """Return monthly first-purchase cohorts (months with no new buyer left out), oldest first.

    A member belongs to the month of their first purchase; ``repeat`` counts those with ≥2 purchases (as of
    now, purchases of any date); retention month +k is the share with any purchase in month first + k, None
    when that month is after now's month. Cohorts older than ``months`` months are left out.
    """
    history = _history(bought)
    last = month_of(now, tz)
    first = _first_month(history, last, months, tz)
    members: dict[str, list[list[Purchase]]] = defaultdict(list)
    for purchases_of in history.values():
        members[month_of(purchases_of[0].at, tz)].append(purchases_of)
    out = []
    for month in sorted(members):
        if first is None or not first <= month <= last:
            continue
        cohort = members[month]
        shares: list[float | None] = []
        for k in range(1, offsets + 1):
            target = add_months(month, k)
            came_back = sum(1 for h in cohort if any(month_of(p.at, tz) == target for p in h))
            shares.append(None if target > last else came_back / len(cohort))
        out.append(Cohort(month=month, size=len(cohort), repeat=sum(1 for h in cohort if len(h) >= 2),
                          retention=tuple(shares)))
    return out


def segment_at(history: Sequence[Purchase], moment: datetime) -> str | None:
    """Return the segment a member had at ``moment``: counted over purchases dated up to then (as profiles do)."""
    before = [p for p in history if p.at <= moment]
    if not before:
        return None
    recency = max(0, (moment.astimezone(TAIPEI).date() - before[-1].at.astimezone(TAIPEI).date()).days)
    return segments.segment(len(before), recency)


def segment_movement(bought: Iterable[Purchase], now_segments: Mapping[int, str | None], now: datetime, *,
                     days: int = MOVEMENT_DAYS) -> list[Movement]:
    """Return a from→to count table: each member's segment ``days`` days ago against their segment now.

    ``now_segments`` is every member's segment now (the profiles'); a member who had no purchase dated up to
    then is ``none`` then. Pairs are ordered by the segments' order (``none`` last); empty pairs left out.
    """
    history = _history(bought)
    then = now - timedelta(days=days)
    pairs: Counter[tuple[str, str]] = Counter()
    for member_id, seg_now in now_segments.items():
        before = segment_at(history.get(member_id, []), then)
        pairs[(before or NONE_KEY, seg_now or NONE_KEY)] += 1
    order = [*segments.SEGMENTS, NONE_KEY]
    return [Movement(before=b, after=a, count=pairs[(b, a)]) for b in order for a in order if pairs[(b, a)]]


def segment_sizes(profiles_by_id: Mapping[int, Profile]) -> dict[str, int]:
    """Return members per segment now, in label order (``none`` = never bought), as ``segment_counts`` does."""
    return {key or NONE_KEY: n for key, n in profiles.segment_counts(dict(profiles_by_id)).items()}


def nps_of(scores: Iterable[int], asked: int) -> Nps:
    """Return the NPS of 0–10 answers: promoters 9–10, passives 7–8, detractors 0–6 (as ``services.nps``)."""
    values = list(scores)
    promoters = sum(1 for s in values if s >= 9)
    detractors = sum(1 for s in values if s <= 6)
    score = round(100 * (promoters - detractors) / len(values)) if values else None
    return Nps(asked=asked, answers=len(values), promoters=promoters, passives=len(values) - promoters - detractors,
               detractors=detractors, score=score)


def nps(uow: UnitOfWork, now: datetime, *, days: int = NPS_DAYS) -> Nps:
    """Return the NPS over recommendation questions sent in the ``days`` days up to now (the scores /統計 reads)."""
    rows = uow.session.exec(select(ReminderSent).where(ReminderSent.kind == "nps", ReminderSent.status == "sent")).all()
    since = now - timedelta(days=days)
    asked = [r for r in rows if since < (r.sent_at or r.created_at) <= now]
    scores = [int(s) for s in (detail_of(r).get("score") for r in asked) if s is not None]
    return nps_of(scores, len(asked))


def build_report(uow: UnitOfWork, now: datetime, *, tz: ZoneInfo = TAIPEI) -> Report:
    """Return every 報表 number at ``now`` (one read of purchases and profiles)."""
    bought = purchases(uow)
    everyone = profiles.build_profiles(uow, now=now)
    return Report(
        weeks=tuple(sales_per_week(bought, now, tz=tz)),
        months=tuple(buyers_per_month(bought, now, tz=tz)),
        repurchase=repurchase(everyone),
        cohorts=tuple(cohorts(bought, now, tz=tz)),
        segment_sizes=segment_sizes(everyone),
        movement=tuple(segment_movement(bought, {mid: p.segment for mid, p in everyone.items()}, now)),
        nps=nps(uow, now),
        reminders=reminder_effect(uow, now, bought=bought),
    )
