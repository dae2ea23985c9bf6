"""Refill reminders and lifecycle touches, time-travelled through the scheduler tick with a fake LINE."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from infra.config import Settings
from infra.db import UnitOfWork, make_engine
from infra.messages import Message, Text
from infra.messenger import LineError, Quota
from models import Member, OrderLine, ReminderSent, SurveyAnswer
from scheduler.jobs import tick
from services import nps, refill, reminder_settings, reminders, tags
from tests.conftest import Webhook
from tests.factories.orders import add_campaign, add_member, add_order, ms, taipei
from tests.factories.webhook import HOST_ID, body, member_id, postback_event, text_event
from tests.fakes import FakeMessenger

DELIVERY = date(2026, 3, 2)
FAMILY = {"household_size": 4, "freezer_size": "medium", "meals_per_week": "3-4"}
SINGLE = {"household_size": 1, "freezer_size": "small", "meals_per_week": "1"}
FAMILY_BASKET = {"A": 8, "B": 6}  # $2,940
SINGLE_BASKET = {"A": 2, "B": 1}  # $610


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """Return an engine on the test database."""
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


def refills_only(engine: Engine) -> None:
    """Switch off every lifecycle touch except refill reminders."""
    with UnitOfWork(engine) as uow:
        for name in ("推薦", "熟客", "回購", "小撇步"):
            reminder_settings.change_setting(uow, name, "關")
        uow.commit()


@dataclass
class Town:
    """Stored members by role."""

    ids: dict[str, int]


def build_town(engine: Engine, *, open_campaign: bool = True) -> Town:
    """Store surveyed and unsurveyed households who bought in one campaign delivered on DELIVERY."""
    ids: dict[str, int] = {}
    with UnitOfWork(engine) as uow:
        first = add_campaign(uow, "春季冷凍團", delivery=DELIVERY)
        people = [
            ("family", 1, FAMILY, FAMILY_BASKET, {}),
            ("family2", 2, {**FAMILY, "freezer_size": "large"}, {"A": 9, "B": 8}, {}),
            ("single", 3, SINGLE, SINGLE_BASKET, {}),
            ("single2", 4, SINGLE, {"A": 3, "B": 1}, {}),
            ("unsurveyed", 5, {}, {"A": 4}, {}),
            ("opted_out", 6, FAMILY, FAMILY_BASKET, {"reminders_opt_out": True}),
            ("unfollowed", 7, FAMILY, FAMILY_BASKET, {"is_friend": False}),
        ]
        for role, n, answers, basket, extra in people:
            member = add_member(uow, n, f"成員{n}", **{"is_friend": True, **answers, **extra})
            add_order(uow, first, member, basket)
            assert member.id is not None
            ids[role] = member.id
        if open_campaign:
            add_campaign(uow, "家常水餃團", status="open", delivery=date(2026, 6, 1))
        uow.commit()
    return Town(ids)


def run_days(engine: Engine, settings: Settings, messenger: FakeMessenger, start: date, days: int,
             hours: Sequence[int] = (10,)) -> None:
    """Tick every day at the given local hours, each tick twice (a repeated tick must send nothing)."""
    for offset in range(days):
        day = start + timedelta(days=offset)
        for hour in hours:
            now = taipei(day.year, day.month, day.day, hour)
            tick(now, settings=settings, messenger=messenger)
            before = len(messenger.pushes)
            tick(now, settings=settings, messenger=messenger)
            assert len(messenger.pushes) == before, f"repeated tick at {now} sent again"


def sent_rows(engine: Engine, kind: str | None = None) -> list[ReminderSent]:
    """Return the recorded reminders, oldest first."""
    with UnitOfWork(engine) as uow:
        stmt = select(ReminderSent).order_by(col(ReminderSent.id))
        if kind:
            stmt = stmt.where(ReminderSent.kind == kind)
        rows = list(uow.session.exec(stmt).all())
        uow.session.expunge_all()
        return rows


def text_of(messages: Sequence[Message]) -> str:
    """Return the text of a single pushed message."""
    (message,) = messages
    assert isinstance(message, Text)
    return message.text


def test_two_months_of_daily_ticks_remind_each_household_in_its_window(
    engine: Engine, settings: Settings, messenger: FakeMessenger
) -> None:
    town = build_town(engine)
    refills_only(engine)
    run_days(engine, settings, messenger, DELIVERY, 61, hours=(10, 22))
    rows = sent_rows(engine, "refill")
    by_member = {r.member_id: r for r in rows}
    assert all(r.status == "sent" for r in rows)
    assert len(rows) == len(by_member)  # once per cycle
    assert len(messenger.pushes) == len(rows)

    def day_of(role: str) -> int:
        """Return the day after delivery the household is reminded to run out (sent day + 3 lead days)."""
        sent_at = by_member[town.ids[role]].sent_at
        assert sent_at is not None
        return (sent_at.astimezone(settings.tz).date() - DELIVERY).days + 3

    for family in ("family", "family2"):
        assert 14 <= day_of(family) <= 28, family
    for single in ("single", "single2"):
        assert 28 <= day_of(single) <= 42, single
    assert day_of("unsurveyed") == 28  # the 4-week default
    assert town.ids["opted_out"] not in by_member
    assert town.ids["unfollowed"] not in by_member
    never = {member_id(6), member_id(7)}
    assert not [p for p in messenger.pushes if p[0] in never]
    for r in rows:  # nothing in quiet hours
        assert r.sent_at is not None and 9 <= r.sent_at.astimezone(settings.tz).hour < 21
    assert len({key for _, _, key in messenger.pushes}) == len(messenger.pushes)


def test_reminder_reads_as_a_reminder_with_a_household_bundle_and_one_tap(
    engine: Engine, settings: Settings, messenger: FakeMessenger
) -> None:
    town = build_town(engine)
    refills_only(engine)
    with UnitOfWork(engine) as uow:
        member = uow.session.get(Member, town.ids["family"])
        assert member is not None
        tags.add_tag(uow, member, "常加班", added_by=HOST_ID)
        uow.commit()
    run_days(engine, settings, messenger, DELIVERY + timedelta(days=13), 5)
    (push,) = [p for p in messenger.pushes if p[0] == member_id(1)]
    text = text_of(push[1])
    assert "吃完" in text and "10 分鐘" in text and "第2團" in text and "停止提醒" in text
    assert "A 手工水餃" in text
    message = push[1][0]
    assert [q.label for q in message.quick_replies] == ["照這樣訂", "先不用", "停止提醒"]
    assert message.quick_replies[0].postback_data is not None and "{rid}" not in message.quick_replies[0].postback_data


def test_one_tap_orders_the_bundle_once_and_can_be_taken_back(
    engine: Engine, settings: Settings, messenger: FakeMessenger, webhook: Webhook, uow: UnitOfWork
) -> None:
    town = build_town(engine)
    refills_only(engine)
    run_days(engine, settings, messenger, DELIVERY + timedelta(days=16), 3)
    (row,) = [r for r in sent_rows(engine, "refill") if r.member_id == town.ids["family"]]
    bundle = json.loads(row.detail)["bundle"]
    data = f"action=refill&r={row.id}&do=order"
    for _ in range(2):  # a double tap orders once
        assert webhook.post(body(postback_event(data, user_id=member_id(1)))).status_code == 200
    replies = messenger.reply_texts()
    assert "已幫你登記到第2團" in replies[0] and "已經幫你登記" in replies[1]
    lines = uow.session.exec(select(OrderLine).where(OrderLine.member_id == town.ids["family"],
                                                     OrderLine.campaign_id == 2)).all()
    assert {ln.item_id: ln.qty for ln in lines} and sum(ln.qty for ln in lines) == sum(bundle.values())
    uow.rollback()
    stranger = postback_event(data, user_id=member_id(3))
    assert webhook.post(body(stranger)).status_code == 200
    assert "失效" in messenger.reply_texts()[-1]
    assert webhook.post(body(postback_event(f"action=refill&r={row.id}&do=undo", user_id=member_id(1)))).status_code == 200
    assert "已取消" in messenger.reply_texts()[-1]
    lines = uow.session.exec(select(OrderLine).where(OrderLine.member_id == town.ids["family"],
                                                     OrderLine.campaign_id == 2)).all()
    assert sum(ln.qty for ln in lines) == 0


class CrashingMessenger(FakeMessenger):
    """Dies inside push: before LINE got it, or after LINE accepted it (the process crashed either way)."""

    def __init__(self, inner: FakeMessenger, *, after_delivery: bool) -> None:
        super().__init__()
        self.inner = inner
        self.after_delivery = after_delivery

    def push(self, to: str, messages: Sequence[Message], retry_key: str | None = None) -> bool:
        """Crash (optionally after the inner messenger delivered)."""
        if self.after_delivery:
            self.inner.push(to, messages, retry_key)
        raise KeyboardInterrupt("clock process killed")

    def quota(self) -> Quota:
        """Return the inner quota."""
        return self.inner.quota()


@pytest.mark.parametrize("after_delivery", [False, True])
def test_crash_between_record_and_send_neither_loses_nor_doubles(
    engine: Engine, settings: Settings, messenger: FakeMessenger, after_delivery: bool
) -> None:
    build_town(engine)
    refills_only(engine)
    now = taipei(2026, 3, 19, 10)
    with pytest.raises(KeyboardInterrupt):
        tick(now, settings=settings, messenger=CrashingMessenger(messenger, after_delivery=after_delivery))
    (pending,) = sent_rows(engine)
    assert pending.status == "pending"
    tick(now + timedelta(minutes=15), settings=settings, messenger=messenger)
    family_pushes = [p for p in messenger.pushes if p[0] == member_id(1)]
    assert len(family_pushes) == 1 and family_pushes[0][2] == pending.retry_key
    rows = {r.member_id: r for r in sent_rows(engine)}
    assert rows[pending.member_id].status == "sent"
    tick(now + timedelta(minutes=30), settings=settings, messenger=messenger)
    assert len([p for p in messenger.pushes if p[0] == member_id(1)]) == 1


def test_a_pending_reminder_older_than_the_retry_key_memory_is_given_up(
    engine: Engine, settings: Settings, messenger: FakeMessenger
) -> None:
    build_town(engine)
    refills_only(engine)
    now = taipei(2026, 3, 19, 10)
    with pytest.raises(KeyboardInterrupt):
        tick(now, settings=settings, messenger=CrashingMessenger(messenger, after_delivery=True))
    tick(now + timedelta(days=1), settings=settings, messenger=messenger)
    first = sent_rows(engine)[0]
    assert first.status == "failed"
    assert len([p for p in messenger.pushes if p[0] == member_id(1)]) == 1  # the one that got through


def test_quiet_hours_hold_a_due_reminder_until_morning(
    engine: Engine, settings: Settings, messenger: FakeMessenger
) -> None:
    build_town(engine)
    refills_only(engine)
    for hour in (21, 23):
        tick(taipei(2026, 3, 18, hour), settings=settings, messenger=messenger)
    tick(datetime.fromisoformat("2026-03-19T08:59:00+08:00"), settings=settings, messenger=messenger)
    assert messenger.pushes == []
    tick(taipei(2026, 3, 19, 9), settings=settings, messenger=messenger)
    assert [p[0] for p in messenger.pushes] == [member_id(1)]


def test_host_changes_quiet_hours_and_lead_days(engine: Engine, settings: Settings, messenger: FakeMessenger) -> None:
    build_town(engine)
    refills_only(engine)
    with UnitOfWork(engine) as uow:
        reminder_settings.change_setting(uow, "安靜", "22:30-07:00")
        reminder_settings.change_setting(uow, "提前", "5")
        uow.commit()
        rs = reminder_settings.load_settings(uow)
    assert rs.switches.lead_days == 5 and not rs.quiet_at(taipei(2026, 3, 16, 22), settings.tz)
    tick(taipei(2026, 3, 16, 22), settings=settings, messenger=messenger)  # 5 days early now
    assert [p[0] for p in messenger.pushes] == [member_id(1)]
    with UnitOfWork(engine) as uow, pytest.raises(reminder_settings.SettingInvalid):
        reminder_settings.change_setting(uow, "安靜", "晚上")


def test_budget_short_sends_the_most_valuable_first_and_tells_hosts_once_a_day(
    engine: Engine, settings: Settings, messenger: FakeMessenger
) -> None:
    refills_only(engine)
    with UnitOfWork(engine) as uow:
        first = add_campaign(uow, "春季冷凍團", delivery=DELIVERY)
        for n in range(1, 6):
            member = add_member(uow, n, f"家庭{n}", is_friend=True, **FAMILY)
            add_order(uow, first, member, {"A": 8 + n, "B": 6})  # member 5 spends most
        uow.commit()
    messenger.quota_limit = 3
    tick(taipei(2026, 3, 19, 10), settings=settings, messenger=messenger)
    assert [p[0] for p in messenger.pushes] == [member_id(5), member_id(4), HOST_ID]
    assert "額度" in text_of(messenger.pushes[-1][1])
    tick(taipei(2026, 3, 19, 14), settings=settings, messenger=messenger)  # quota gone: nothing, host not told again
    assert len(messenger.pushes) == 3
    messenger.quota_limit = 10  # the host bought more: the rest go out
    with UnitOfWork(engine) as uow:
        reminder_settings.change_setting(uow, "額度", "5")
        uow.commit()
    tick(taipei(2026, 3, 20, 10), settings=settings, messenger=messenger)
    assert [p[0] for p in messenger.pushes[3:]] == [member_id(3), HOST_ID]  # budget 5: one more, host told today


def test_over_quota_429_drops_the_record_so_it_can_go_out_later(
    engine: Engine, settings: Settings, messenger: FakeMessenger
) -> None:
    build_town(engine)
    refills_only(engine)

    class OverQuota(FakeMessenger):
        def push(self, to: str, messages: Sequence[Message], retry_key: str | None = None) -> bool:
            raise LineError(429, "You have reached your monthly limit.")

    tick(taipei(2026, 3, 19, 10), settings=settings, messenger=OverQuota())
    assert sent_rows(engine) == []
    tick(taipei(2026, 3, 19, 11), settings=settings, messenger=messenger)
    assert [p[0] for p in messenger.pushes] == [member_id(1)]


def test_lifecycle_touches_respect_switches_and_seven_day_spacing(
    engine: Engine, settings: Settings, messenger: FakeMessenger
) -> None:
    town = build_town(engine)
    with UnitOfWork(engine) as uow:
        reminder_settings.change_setting(uow, "小撇步", "開")
        uow.commit()
    run_days(engine, settings, messenger, DELIVERY, 40)
    rows = [r for r in sent_rows(engine) if r.status == "sent"]
    kinds = {r.kind for r in rows}
    assert {"nps", "refill", "tip"} <= kinds
    by_member: dict[int, list[datetime]] = {}
    for r in rows:
        assert r.sent_at is not None
        by_member.setdefault(r.member_id, []).append(r.sent_at)
    for times in by_member.values():
        assert all(b - a >= timedelta(days=7) for a, b in zip(times, times[1:], strict=False))
    family = [r.kind for r in rows if r.member_id == town.ids["family"]]
    assert family[0] == "nps" and "refill" in family
    with UnitOfWork(engine) as uow:
        reminder_settings.change_setting(uow, "推薦", "關")
        assert reminder_settings.load_settings(uow).switches.nps is False


def test_vip_welcome_at_the_third_purchase_and_winback_after_sixty_days(
    engine: Engine, settings: Settings, messenger: FakeMessenger
) -> None:
    with UnitOfWork(engine) as uow:
        regular = add_member(uow, 1, "熟客", is_friend=True, **FAMILY)
        quiet = add_member(uow, 2, "老朋友", is_friend=True, **SINGLE)
        for k, day in enumerate((date(2026, 1, 5), date(2026, 1, 26), date(2026, 2, 16))):
            c = add_campaign(uow, f"第{k}批", delivery=day)
            add_order(uow, c, regular, FAMILY_BASKET)
            if k == 0:
                add_order(uow, c, quiet, SINGLE_BASKET)
        add_campaign(uow, "開團中", status="open")
        reminder_settings.change_setting(uow, "推薦", "關")
        reminder_settings.change_setting(uow, "補貨", "關")
        uow.commit()
    tick(taipei(2026, 2, 17, 10), settings=settings, messenger=messenger)
    assert [(p[0], "熟客" in text_of(p[1]) or "第三次" in text_of(p[1])) for p in messenger.pushes] == [(member_id(1), True)]
    tick(taipei(2026, 3, 7, 10), settings=settings, messenger=messenger)  # 61 days after 1/5
    assert messenger.pushes[-1][0] == member_id(2) and "好久不見" in text_of(messenger.pushes[-1][1])


def test_nps_answer_is_stored_and_summarised(
    engine: Engine, settings: Settings, messenger: FakeMessenger, webhook: Webhook, uow: UnitOfWork
) -> None:
    build_town(engine)
    tick(taipei(2026, 3, 3, 10), settings=settings, messenger=messenger)
    nps_pushes = [p for p in messenger.pushes if "0～10" in text_of(p[1])]
    assert len(nps_pushes) == 5  # friends who did not opt out
    assert [q.text for q in nps_pushes[0][1][0].quick_replies][:2] == ["推薦分數 10", "推薦分數 9"]
    for n, answer in ((1, "推薦分數 10"), (2, "NPS 9"), (3, "推薦分數 5")):
        event = text_event(answer, user_id=member_id(n), group_id=None, ts=ms(taipei(2026, 3, 3, 12)))
        assert webhook.post(body(event)).status_code == 200
    assert messenger.reply_texts()[-1].startswith("收到")
    summary = nps.nps_summary(uow, 1)
    assert summary is not None and "NPS +33" in summary and "3/5" in summary
    answers = uow.session.exec(select(SurveyAnswer).where(SurveyAnswer.question == "nps")).all()
    assert sorted(a.answer or "" for a in answers) == ["10", "5", "9"]
    assert nps.nps_summary(uow, 2) is None
    uow.rollback()  # end the read transaction: on SQLite it holds the write lock
    stray = text_event("推薦分數 7", user_id=member_id(9), group_id=None)
    before = len(messenger.replies)
    assert webhook.post(body(stray)).status_code == 200
    assert len(messenger.replies) == before  # no question was asked: not an answer
    host_stats = text_event("/統計 1", user_id=HOST_ID, ts=ms(taipei(2026, 3, 3, 13)))
    assert webhook.post(body(host_stats)).status_code == 200
    assert "NPS +33" in messenger.reply_texts()[-1]  # /統計 shows the campaign's recommendation score


def test_learning_follows_the_household_after_a_few_purchases(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        member = add_member(uow, 1, "規律家庭", is_friend=True, **FAMILY)
        start = date(2026, 1, 1)
        for k in range(4):
            c = add_campaign(uow, f"第{k}批", delivery=start + timedelta(days=30 * k))
            add_order(uow, c, member, FAMILY_BASKET)
        uow.commit()
        forecast = refill.forecast(uow, member)
        assert forecast is not None
        prior = forecast.prediction.prior_days
        assert prior < 22 and 27 <= forecast.cycle_days <= 31  # formula ~19 days, the household says 30
        assert refill.next_refill_at(uow, member) == forecast.next_at


def test_preview_lists_who_is_due_and_why(engine: Engine, settings: Settings, webhook: Webhook,
                                          messenger: FakeMessenger) -> None:
    build_town(engine)
    with UnitOfWork(engine) as uow:
        due = reminders.preview(uow, settings, taipei(2026, 3, 14, 10))
    refill_names = [d.member_label for d in due if d.kind == "refill"]
    assert any("成員1" in n for n in refill_names) and not any("成員6" in n for n in refill_names)
    event = text_event("/提醒 預覽", user_id=HOST_ID, group_id=None, ts=ms(taipei(2026, 3, 14, 10)))
    assert webhook.post(body(event)).status_code == 200
    assert "補貨提醒" in messenger.reply_texts()[-1] and "成員1" in messenger.reply_texts()[-1]
    event = text_event("/提醒 設定 額度 150", user_id=HOST_ID, group_id=None)
    assert webhook.post(body(event)).status_code == 200
    assert "150 則" in messenger.reply_texts()[-1]
    event = text_event("/提醒 預覽", user_id=member_id(1), group_id=None)
    assert webhook.post(body(event)).status_code == 200
    assert "只有團主" in messenger.reply_texts()[-1]
