"""Do reminders earn their push cost? Members reminded against comparable members who were due but not reminded.

What is recorded (``services.reminders``): a push that went out is a ``ReminderSent`` row with status ``sent``;
a pending row whose member opted out or unfriended meanwhile becomes ``skipped``; a push LINE refused is
``failed``; a reminder cut by the monthly budget or refused with 429 (over quota) leaves no row at all, and an
opted-out member is never planned. So the members who were due but not reminded are found again from the
purchase history with the same rules the planner uses (``services.lifecycle``), and the rows only tell why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select

from infra.db import UnitOfWork
from models import Campaign, Member, OrderLine, ReminderSent
from services.lifecycle import WINBACK_AFTER
from services.purchases import Purchase, purchases
from services.refill import forecast_from
from services.reminder_settings import load_settings

KINDS = ("refill", "winback")
FOLLOW_UP = timedelta(days=14)
WINDOW = timedelta(days=90)
NEARBY = timedelta(days=7)  # a member reminded this close to a due day was reminded, not a comparison
SMALL_SAMPLE = 10


@dataclass(frozen=True)
class Touch:
    """One member at one moment: reminded (a sent push) or due and not reminded; ``why`` says which."""

    member_id: int
    kind: str  # refill | winback
    at: datetime
    why: str  # sent | opted_out | skipped | not_sent


@dataclass(frozen=True)
class Group:
    """A group of members and how many of them ordered within 14 days of their moment."""

    members: int
    ordered: int

    @property
    def rate(self) -> float | None:
        """Return the share who ordered (None for an empty group)."""
        return self.ordered / self.members if self.members else None


@dataclass(frozen=True)
class ReminderEffect:
    """Reminded against not reminded over one window, and the difference of their order rates."""

    since: datetime
    until: datetime
    reminded: Group
    not_reminded: Group
    not_reminded_why: dict[str, int]  # opted_out | skipped | not_sent → members

    @property
    def difference(self) -> float | None:
        """Return reminded rate − not-reminded rate (None when either group is empty)."""
        a, b = self.reminded.rate, self.not_reminded.rate
        return None if a is None or b is None else a - b

    @property
    def small_sample(self) -> bool:
        """Return True when either group has fewer than 10 members (樣本太少)."""
        return min(self.reminded.members, self.not_reminded.members) < SMALL_SAMPLE


def due_moments(member: Member, history: Sequence[Purchase], *, lead_days: int) -> list[tuple[str, str, datetime]]:
    """Return (kind, dedupe key, moment) of each refill and win-back this member's history made due.

    Refill: after each purchase, the forecast from the purchases up to it (``services.refill.forecast_from``)
    minus the lead days; win-back: 60 days after a purchase. Either only when no later purchase came first.
    """
    out = []
    for i, p in enumerate(history):
        following = history[i + 1].at if i + 1 < len(history) else None
        forecast = forecast_from(member, history[: i + 1])
        if forecast is not None:
            due = forecast.next_at - timedelta(days=lead_days)
            if following is None or following > due:
                out.append(("refill", f"refill:{member.id}:{p.campaign_id}", due))
        winback = p.at + WINBACK_AFTER
        if following is None or following > winback:
            out.append(("winback", f"winback:{member.id}:{p.campaign_id}", winback))
    return out


def touches(uow: UnitOfWork, since: datetime, until: datetime, bought: Iterable[Purchase]) -> list[Touch]:
    """Return each member's first touch in [since, until): a sent refill/win-back, else a due one not sent.

    Only friends of the bot count as not reminded (others cannot be pushed at all), and only when no refill or
    win-back reached them within 7 days before the due moment to 14 days after it.
    """
    rows = uow.session.exec(select(ReminderSent).where(col(ReminderSent.kind).in_(KINDS))).all()
    sent_at = {r.id: r.sent_at or r.created_at for r in rows if r.status == "sent"}
    sent = sorted((sent_at[r.id], r.member_id, r.kind) for r in rows if r.id in sent_at)
    status_of = {r.dedupe_key: r.status for r in rows}
    first: dict[int, Touch] = {}
    for at, member_id, kind in sent:
        if since <= at < until and member_id not in first:
            first[member_id] = Touch(member_id, kind, at, "sent")
    history: dict[int, list[Purchase]] = {}
    for p in sorted(bought, key=lambda p: (p.at, p.campaign_id)):
        history.setdefault(p.member_id, []).append(p)
    lead_days = load_settings(uow).switches.lead_days
    members = {m.id: m for m in uow.session.exec(select(Member).where(col(Member.is_friend).is_(True))).all()}
    candidates = []
    for mid, member in members.items():
        if mid is None or mid in first:
            continue
        for kind, key, at in due_moments(member, history.get(mid, []), lead_days=lead_days):
            if not since <= at < until or status_of.get(key) == "sent":
                continue
            if any(m == mid and at - NEARBY <= t <= at + FOLLOW_UP for t, m, _k in sent):
                continue
            why = "opted_out" if member.reminders_opt_out else ("skipped" if key in status_of else "not_sent")
            candidates.append(Touch(mid, kind, at, why))
    for touch in sorted(candidates, key=lambda t: (t.at, t.member_id)):
        first.setdefault(touch.member_id, touch)
    return sorted(first.values(), key=lambda t: (t.at, t.member_id))


def order_times(uow: UnitOfWork) -> dict[int, list[datetime]]:
    """Return when each member sent an order still standing (quantity > 0) in a campaign not cancelled."""
    rows = uow.session.exec(
        select(OrderLine.member_id, OrderLine.sent_at)
        .join(Campaign, col(Campaign.id) == col(OrderLine.campaign_id))
        .where(col(OrderLine.qty) > 0, col(Campaign.status) != "cancelled")
    ).all()
    out: dict[int, list[datetime]] = {}
    for member_id, at in rows:
        out.setdefault(member_id, []).append(at)
    return out


def ordered_after(touch: Touch, orders: Mapping[int, Sequence[datetime]], follow_up: timedelta = FOLLOW_UP) -> bool:
    """Return True when the member sent an order after the touch and within ``follow_up`` of it."""
    return any(touch.at < at <= touch.at + follow_up for at in orders.get(touch.member_id, ()))


def compare(found: Sequence[Touch], orders: Mapping[int, Sequence[datetime]], since: datetime,
            until: datetime) -> ReminderEffect:
    """Return the two groups' sizes and order rates from touches and order times."""
    reminded = [t for t in found if t.why == "sent"]
    others = [t for t in found if t.why != "sent"]
    return ReminderEffect(
        since=since, until=until,
        reminded=Group(len(reminded), sum(1 for t in reminded if ordered_after(t, orders))),
        not_reminded=Group(len(others), sum(1 for t in others if ordered_after(t, orders))),
        not_reminded_why=dict(Counter(t.why for t in others)),
    )


def reminder_effect(uow: UnitOfWork, now: datetime, *, window: timedelta = WINDOW,
                    bought: Iterable[Purchase] | None = None) -> ReminderEffect:
    """Return what reminders did over the ``window`` that ended 14 days ago (so every touch had 14 days).

    Reminded: members sent a refill or win-back reminder (status sent) in the window. Not reminded: friends who
    were due for one in the window by the planner's rules but got none — opted out, skipped, or never recorded
    (over the budget or LINE's quota, or the switch was off). Each member counts once, at their first touch;
    ordered = sent an order (still standing, campaign not cancelled) within 14 days after it.
    """
    until = now - FOLLOW_UP
    since = until - window
    found = touches(uow, since, until, purchases(uow) if bought is None else bought)
    return compare(found, order_times(uow), since, until)
