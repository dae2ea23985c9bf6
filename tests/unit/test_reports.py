"""The 報表 numbers on hand-made histories: weeks, new vs returning, cohorts, repurchase, movement, NPS, reminders.

Expected values are worked out by hand in the comments from the definitions in the docstrings.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from infra.db import UnitOfWork
from models import Member, OrderLine, ReminderSent
from services import reports
from services.profiles import Profile
from services.purchases import TAIPEI, Purchase
from services.refill import forecast_from
from services.reminder_effect import (
    FOLLOW_UP,
    Group,
    Touch,
    compare,
    due_moments,
    order_times,
    ordered_after,
    reminder_effect,
    touches,
)
from services.reports import MonthBuyers, Movement
from tests.factories.orders import add_campaign, add_member, add_order

NOW = datetime(2026, 12, 7, 12, tzinfo=TAIPEI)  # a Monday: ISO week 2026-W50


def bought(member: int, month: int, day: int, amount: int = 100, campaign: int | None = None,
           year: int = 2026) -> Purchase:
    """Return a purchase dated on a Taipei midnight."""
    at = datetime(year, month, day, tzinfo=TAIPEI)
    return Purchase(member_id=member, campaign_id=campaign or month * 100 + day, at=at, amount=amount, items={"水餃": 1})


# m1 Sep, Oct, Dec · m2 twice in Oct · m3 Dec · m4 Sep, Oct · m5 Sep, Nov · m6 Sep · m7 Jul (August: nobody bought)
HISTORY = [
    bought(1, 9, 10), bought(1, 10, 10), bought(1, 12, 5),
    bought(2, 10, 5), bought(2, 10, 20),
    bought(3, 12, 3),
    bought(4, 9, 10), bought(4, 10, 10),
    bought(5, 9, 10), bought(5, 11, 10),
    bought(6, 9, 10),
    bought(7, 7, 10),
]


def test_sales_per_week_uses_taipei_iso_weeks_and_the_last_26() -> None:
    rows = [
        bought(1, 12, 7, 500),  # this week (W50)
        Purchase(2, 1, datetime(2026, 12, 6, 16, 30, tzinfo=UTC), 100, {}),  # 12/7 00:30 in Taipei: W50
        Purchase(3, 2, datetime(2026, 12, 6, 15, 30, tzinfo=UTC), 300, {}),  # 12/6 23:30 in Taipei: W49
        bought(4, 6, 15, 70),  # Monday of the oldest week shown (W50 − 25 = W25)
        bought(5, 6, 14, 999),  # the Sunday before it: too old
        bought(6, 12, 14, 888),  # a delivery next week: not sold yet
    ]
    weeks = reports.sales_per_week(rows, NOW)
    assert len(weeks) == 26
    assert (weeks[-1].week, weeks[-1].start, weeks[-1].sales, weeks[-1].purchases) == ("2026-W50", date(2026, 12, 7), 600, 2)
    assert (weeks[-2].week, weeks[-2].sales) == ("2026-W49", 300)
    assert (weeks[0].week, weeks[0].start, weeks[0].sales) == ("2026-W25", date(2026, 6, 15), 70)
    assert sum(w.sales for w in weeks) == 970
    assert all(b.start - a.start == timedelta(weeks=1) for a, b in zip(weeks, weeks[1:], strict=False))


def test_sales_per_week_without_data_is_26_zero_weeks() -> None:
    weeks = reports.sales_per_week([], NOW)
    assert len(weeks) == 26 and {w.sales for w in weeks} == {0}


def test_a_week_label_across_the_new_year() -> None:
    assert reports.iso_week(datetime(2027, 1, 1, 12, tzinfo=TAIPEI)) == ("2026-W53", date(2026, 12, 28))


def test_new_and_returning_buyers_per_month() -> None:
    assert reports.buyers_per_month(HISTORY, NOW) == [
        MonthBuyers("2026-07", new=1, returning=0),  # m7
        MonthBuyers("2026-08", new=0, returning=0),  # nobody
        MonthBuyers("2026-09", new=4, returning=0),  # m1 m4 m5 m6
        MonthBuyers("2026-10", new=1, returning=2),  # m2 (twice, once counted) · m1 m4
        MonthBuyers("2026-11", new=0, returning=1),  # m5
        MonthBuyers("2026-12", new=1, returning=1),  # m3 · m1
    ]


def test_buyers_per_month_edges() -> None:
    assert reports.buyers_per_month([], NOW) == []
    assert reports.buyers_per_month([bought(9, 12, 1)], NOW) == [MonthBuyers("2026-12", 1, 0)]
    # Only the last 12 months are shown; a buyer first seen earlier returns, not new, in them.
    old = [bought(9, 1, 5, year=2025), bought(9, 12, 1)]
    months = reports.buyers_per_month(old, NOW)
    assert months[0].month == "2026-01" and len(months) == 12
    assert months[-1] == MonthBuyers("2026-12", 0, 1)


def test_cohort_retention_and_repurchase_per_cohort() -> None:
    found = {c.month: c for c in reports.cohorts(HISTORY, NOW)}
    assert list(found) == ["2026-07", "2026-09", "2026-10", "2026-12"]  # no first purchase in Aug or Nov
    sep = found["2026-09"]  # m1 m4 m5 m6
    assert (sep.size, sep.repeat, sep.repurchase_rate) == (4, 3, 0.75)
    # +1 Oct: m1 m4 · +2 Nov: m5 · +3 Dec: m1 · +4 Jan, +5 Feb: not yet
    assert sep.retention == (0.5, 0.25, 0.25, None, None)
    assert found["2026-07"].retention == (0.0, 0.0, 0.0, 0.0, 0.0)  # m7 never came back; Aug..Dec all seen
    oct_ = found["2026-10"]  # m2 bought twice inside October: a repeat buyer, but not retained in Nov or Dec
    assert (oct_.size, oct_.repeat, oct_.retention) == (1, 1, (0.0, 0.0, None, None, None))
    assert found["2026-12"].retention == (None,) * 5 and found["2026-12"].repeat == 0


def test_cohorts_edges() -> None:
    assert reports.cohorts([], NOW) == []
    (only,) = reports.cohorts([bought(9, 11, 1)], NOW)
    assert (only.month, only.size, only.repeat, only.retention) == ("2026-11", 1, 0, (0.0, None, None, None, None))


def test_repurchase_is_two_or_more_over_one_or_more() -> None:
    counts = {m: sum(1 for p in HISTORY if p.member_id == m) for m in range(1, 8)}
    profiles = {m: Profile(member_id=m, orders=n) for m, n in counts.items()} | {8: Profile(member_id=8)}
    result = reports.repurchase(profiles)
    assert (result.buyers, result.repeat) == (7, 4)  # m1 m2 m4 m5 bought twice or more; m8 never bought
    assert result.rate == pytest.approx(4 / 7)
    assert reports.repurchase({}).rate is None
    assert reports.repurchase({1: Profile(member_id=1, orders=1)}).rate == 0.0


NOW_SEGMENTS: dict[int, str | None] = {
    1: "vip",  # 3 purchases, last 2 days ago
    2: "at_risk",  # last 10/20: 48 days
    3: "new",
    4: "at_risk",  # last 10/10: 58 days
    5: "active",  # 2 purchases, last 27 days ago
    6: "at_risk",  # 9/10: 88 days
    7: "dormant",  # 7/10: 150 days
    8: None,  # never bought
}


def test_segment_now_by_hand_matches_segment_at() -> None:
    for member, expected in NOW_SEGMENTS.items():
        assert reports.segment_at([p for p in HISTORY if p.member_id == member], NOW) == expected, member


def test_segment_movement_from_30_days_ago() -> None:
    # On 11/7: m1 active (2, 28 days) · m2 active (18 days) · m3 none · m4 active · m5 at_risk (1, 58 days)
    # · m6 at_risk (58 days) · m7 dormant (120 days) · m8 none
    assert reports.segment_movement(HISTORY, NOW_SEGMENTS, NOW) == [
        Movement("active", "vip", 1),
        Movement("active", "at_risk", 2),
        Movement("at_risk", "active", 1),
        Movement("at_risk", "at_risk", 1),
        Movement("dormant", "dormant", 1),
        Movement("none", "new", 1),
        Movement("none", "none", 1),
    ]
    assert reports.segment_movement([], {}, NOW) == []


def test_segment_sizes_name_never_bought_none() -> None:
    profiles = {1: Profile(member_id=1, orders=3, segment="vip"), 2: Profile(member_id=2)}
    assert reports.segment_sizes(profiles) == {"new": 0, "active": 0, "vip": 1, "at_risk": 0, "dormant": 0, "none": 1}


def test_nps_of_answers() -> None:
    result = reports.nps_of([10, 9, 8, 7, 6, 0, 10], asked=9)
    assert (result.promoters, result.passives, result.detractors, result.answers, result.asked) == (3, 2, 2, 7, 9)
    assert result.score == 14  # 100 × (3 − 2) / 7
    assert reports.nps_of([], asked=2).score is None
    assert reports.nps_of([6], asked=1).score == -100


def nps_row(uow: UnitOfWork, member: Member, sent: datetime, score: int | None, status: str = "sent") -> None:
    assert member.id is not None
    detail = {"text": "…", "quick": [], "campaign": 1} | ({} if score is None else {"score": score})
    uow.session.add(ReminderSent(member_id=member.id, kind="nps", dedupe_key=f"nps:{member.id}:{uuid.uuid4().hex}",
                                 retry_key=str(uuid.uuid4()), due_at=sent, status=status, created_at=sent, sent_at=sent,
                                 detail=json.dumps(detail)))


def test_nps_reads_the_recorded_scores(uow: UnitOfWork) -> None:
    a, b, c = (add_member(uow, n) for n in (1, 2, 3))
    nps_row(uow, a, NOW - timedelta(days=10), 10)
    nps_row(uow, b, NOW - timedelta(days=20), 3)
    nps_row(uow, c, NOW - timedelta(days=30), None)  # asked, no answer
    nps_row(uow, c, NOW - timedelta(days=400), 10)  # too old
    nps_row(uow, a, NOW - timedelta(days=5), 9, status="failed")  # never reached them
    uow.commit()
    result = reports.nps(uow, NOW)
    assert (result.asked, result.answers, result.promoters, result.passives, result.detractors, result.score) == (
        3, 2, 1, 0, 1, 0)
    assert reports.nps(uow, NOW - timedelta(days=500)).asked == 0


def test_ordered_after_counts_up_to_14_days_after() -> None:
    touch = Touch(1, "refill", NOW, "sent")
    assert ordered_after(touch, {1: [NOW + FOLLOW_UP]})
    assert not ordered_after(touch, {1: [NOW + FOLLOW_UP + timedelta(minutes=1)]})
    assert not ordered_after(touch, {1: [NOW]})  # at the same moment is not after it
    assert not ordered_after(touch, {2: [NOW + timedelta(days=1)]})


def test_compare_two_groups() -> None:
    found = [Touch(1, "refill", NOW, "sent"), Touch(2, "refill", NOW, "sent"), Touch(3, "winback", NOW, "sent"),
             Touch(4, "refill", NOW, "opted_out"), Touch(5, "winback", NOW, "not_sent")]
    orders = {1: [NOW + timedelta(days=2)], 2: [NOW + timedelta(days=13)], 3: [NOW - timedelta(days=1)],
              5: [NOW + timedelta(days=20)]}
    effect = compare(found, orders, NOW - timedelta(days=90), NOW)
    assert effect.reminded == Group(3, 2) and effect.not_reminded == Group(2, 0)
    assert effect.reminded.rate == pytest.approx(2 / 3) and effect.not_reminded.rate == 0.0
    assert effect.difference == pytest.approx(2 / 3)
    assert effect.not_reminded_why == {"opted_out": 1, "not_sent": 1}
    assert effect.small_sample


def test_compare_large_enough_groups_are_not_small() -> None:
    found = [Touch(m, "refill", NOW, "sent" if m < 10 else "not_sent") for m in range(20)]
    effect = compare(found, {}, NOW, NOW)
    assert (effect.reminded.members, effect.not_reminded.members, effect.small_sample) == (10, 10, False)
    assert effect.difference == 0.0
    assert compare([], {}, NOW, NOW).difference is None


def test_due_moments_follow_the_planner() -> None:
    member = Member(id=7, line_user_id="U7")
    history = [bought(7, 9, 20, campaign=1), bought(7, 10, 30, campaign=2)]
    found = due_moments(member, history, lead_days=3)
    first_refill = datetime(2026, 10, 15, tzinfo=TAIPEI)  # 9/20 + 28 days (no survey, one purchase) − 3
    assert ("refill", "refill:7:1", first_refill) in found
    assert ("winback", "winback:7:1", datetime(2026, 11, 19, tzinfo=TAIPEI)) not in found  # bought again 10/30
    forecast = forecast_from(member, history)
    assert forecast is not None
    assert ("refill", "refill:7:2", forecast.next_at - timedelta(days=3)) in found
    assert ("winback", "winback:7:2", datetime(2026, 12, 29, tzinfo=TAIPEI)) in found


def reminder_row(uow: UnitOfWork, member: Member, kind: str, campaign: int, at: datetime, status: str = "sent") -> None:
    assert member.id is not None
    uow.session.add(ReminderSent(member_id=member.id, kind=kind, dedupe_key=f"{kind}:{member.id}:{campaign}",
                                 retry_key=str(uuid.uuid4()), due_at=at, status=status, created_at=at,
                                 sent_at=at if status == "sent" else None))


def set_sent_at(uow: UnitOfWork, member: Member, at: datetime) -> None:
    """Date a member's order lines: when they sent the comment."""
    for line in uow.session.exec(select(OrderLine).where(OrderLine.member_id == member.id)).all():
        line.sent_at = at
        uow.session.add(line)
    uow.session.flush()


def test_reminded_against_due_but_not_reminded(uow: UnitOfWork) -> None:
    until = NOW - FOLLOW_UP  # 11/23 noon
    since = until - timedelta(days=90)  # 8/25 noon
    m = {n: add_member(uow, n, is_friend=n != 5, reminders_opt_out=n == 2) for n in range(1, 8)}
    ids = {n: member.id for n, member in m.items()}
    # A purchase on 7/10 makes a refill due 8/4 (before the window) and a win-back due 9/8 (inside it).
    history = [bought(ids[n], 7, 10, campaign=1) for n in (1, 2, 3, 4, 5)]
    history.append(bought(ids[6], 6, 28, campaign=1))  # win-back due 8/27
    history += [bought(ids[7], 9, 20, campaign=1), bought(ids[7], 10, 30, campaign=2)]  # refill due 10/15
    reminder_row(uow, m[1], "winback", 1, datetime(2026, 9, 9, 10, tzinfo=TAIPEI))  # reminded
    reminder_row(uow, m[3], "winback", 1, datetime(2026, 9, 8, 10, tzinfo=TAIPEI), status="skipped")
    reminder_row(uow, m[6], "refill", 9, datetime(2026, 8, 22, 10, tzinfo=TAIPEI))  # 5 days before: not a comparison
    shop = add_campaign(uow, "九月團")
    dropped = add_campaign(uow, "取消的團", status="cancelled")
    for n, day in ((1, 15), (2, 10), (4, 30)):
        add_order(uow, shop, m[n], {"A": 1})
        set_sent_at(uow, m[n], datetime(2026, 9, day, 20, tzinfo=TAIPEI))
    add_order(uow, dropped, m[3], {"A": 1})
    set_sent_at(uow, m[3], datetime(2026, 9, 10, 20, tzinfo=TAIPEI))
    uow.commit()

    found = {t.member_id: t for t in touches(uow, since, until, history)}
    assert set(found) == {ids[n] for n in (1, 2, 3, 4, 7)}  # m5 is not a friend, m6 was reminded nearby
    assert found[ids[1]].why == "sent" and found[ids[1]].at == datetime(2026, 9, 9, 10, tzinfo=TAIPEI)
    assert [found[ids[n]].why for n in (2, 3, 4, 7)] == ["opted_out", "skipped", "not_sent", "not_sent"]
    assert found[ids[2]].at == datetime(2026, 9, 8, tzinfo=TAIPEI) and found[ids[2]].kind == "winback"
    assert found[ids[7]].at == datetime(2026, 10, 15, tzinfo=TAIPEI) and found[ids[7]].kind == "refill"

    effect = compare(list(found.values()), order_times(uow), since, until)
    # m1 ordered 9/15 (6 days after) · m2 9/10 (2 days after) · m4 9/30 (22 days) · m3 only in a cancelled campaign
    assert effect.reminded == Group(1, 1) and effect.not_reminded == Group(4, 1)
    assert effect.difference == pytest.approx(1 - 1 / 4)
    assert effect.not_reminded_why == {"opted_out": 1, "skipped": 1, "not_sent": 2}
    assert effect.small_sample


def test_reminder_effect_without_data(uow: UnitOfWork) -> None:
    effect = reminder_effect(uow, NOW)
    assert effect.reminded == Group(0, 0) == effect.not_reminded
    assert effect.reminded.rate is None and effect.difference is None and effect.small_sample
    assert effect.until == NOW - FOLLOW_UP and effect.since == NOW - FOLLOW_UP - timedelta(days=90)
