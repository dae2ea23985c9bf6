"""Closing soon (截單提醒) through signed webhooks and the clock: the line on the first reply in the last two hours,
once per campaign, and the one push to the group with `/設定 截單提醒 推播`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pytest
from sqlmodel import select

from bot.fakeline import FakeLinePlatform, FakeLineServer
from infra.config import Settings
from infra.db import UnitOfWork
from infra.messages import Message, Text
from infra.messenger import LineError, LineMessenger
from models import CampaignNotice
from scheduler.jobs import tick
from services import closing_soon, reminder_settings
from tests.conftest import Webhook
from tests.factories.campaigns import HOTPOT, TPE, at
from tests.factories.webhook import GROUP_ID, HOST_ID, member_id
from tests.fakes import FakeMessenger
from tests.integration.test_orders import say

SOUP = """/開團
【水餃湯品團】
A. 高麗菜水餃 原味/辣味 $200/包 辣味限量3
B. 玉米濃湯 $100/包 限量10
12/20 20:00 截單"""
LINE_PREFIX = "⏰ "


def dec20(hour: int, minute: int = 0) -> datetime:
    """Return a Taipei time on the deadline's day (12/20 20:00)."""
    return datetime(2026, 12, 20, hour, minute, tzinfo=TPE)


def reply_texts(messenger: FakeMessenger, since: int) -> list[str]:
    """Return the texts of the replies sent after the first ``since`` replies."""
    return [m.text for _, msgs in messenger.replies[since:] for m in msgs if isinstance(m, Text)]


def closing_lines(messenger: FakeMessenger, since: int = 0) -> list[str]:
    """Return every closing-soon line the replies after ``since`` carried."""
    return [line for text in reply_texts(messenger, since) for line in text.splitlines() if line.startswith(LINE_PREFIX)]


def notices(uow: UnitOfWork) -> list[tuple[str, str]]:
    """Return the recorded notices as (kind, status) and end the read transaction."""
    uow.session.expire_all()
    found = [(n.kind, n.status) for n in uow.session.exec(select(CampaignNotice).order_by(CampaignNotice.id)).all()]
    uow.rollback()
    return found


def mode(uow: UnitOfWork) -> str:
    """Return the group's closing-soon mode and end the read transaction."""
    found = closing_soon.mode_of(uow, 1)
    uow.rollback()
    return found


@pytest.fixture
def opened(webhook: Webhook, messenger: FakeMessenger) -> None:
    """Open the hot-pot campaign (C limited to 30, deadline 12/20 20:00); 小美 takes C+2 early."""
    messenger.names.update({member_id(1): "小美", member_id(2): "阿明", member_id(3): "小蘭"})
    say(webhook, HOTPOT, HOST_ID, at(1, 10))
    say(webhook, "C+2", 1, at(2, 9))


def test_only_the_first_reply_in_the_last_two_hours_carries_the_line(
    webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork, opened: None
) -> None:
    before = len(messenger.replies)
    say(webhook, "A+1", 2, at(20, 17, 59))  # 2 h 1 min before: too early
    assert closing_lines(messenger, before) == []
    say(webhook, "大家晚安", 3, at(20, 18, 30))  # chit-chat: no reply at all, so nothing carries it
    say(webhook, "B+2 謝謝", 3, at(20, 18, 40))
    lines = closing_lines(messenger, before)
    assert lines == ["⏰ 再 1 小時 20 分鐘截單｜C 剩 28"]
    assert "B 韭菜水餃 ×2" in messenger.reply_texts()[-1]  # on the member's own confirmation
    say(webhook, "C+1", 2, at(20, 19, 15))
    say(webhook, "/統計", HOST_ID, at(20, 19, 50))
    assert closing_lines(messenger, before) == lines  # said once per campaign
    assert notices(uow) == [("closing_reply", "sent")]


def test_a_host_command_reply_carries_it_too_with_minutes_and_variant_stock(
    webhook: Webhook, messenger: FakeMessenger
) -> None:
    say(webhook, SOUP, HOST_ID, at(1, 10))
    say(webhook, "A辣味+2", 1, at(2, 9))
    say(webhook, "B+4", 2, at(2, 9, 1))
    before = len(messenger.replies)
    say(webhook, "/統計", HOST_ID, at(20, 19, 15))
    assert closing_lines(messenger, before) == ["⏰ 再 45 分鐘截單｜A 辣味 剩 1、B 剩 6"]


def test_two_open_campaigns_are_named_and_each_said_once(webhook: Webhook, messenger: FakeMessenger,
                                                         opened: None) -> None:
    say(webhook, SOUP.replace("12/20 20:00", "12/20 21:00"), HOST_ID, at(1, 11))
    before = len(messenger.replies)
    say(webhook, "/統計 1", HOST_ID, at(20, 18, 30))
    say(webhook, "/統計 2", HOST_ID, at(20, 19, 30))
    assert closing_lines(messenger, before) == [
        "⏰ 第1團【冬季火鍋團】再 1 小時 30 分鐘截單｜C 剩 28",  # 18:30: only the first closes within two hours
        "⏰ 第2團【水餃湯品團】再 1 小時 30 分鐘截單｜A 辣味 剩 3、B 剩 10",  # 19:30: the second's turn
    ]


def test_off_by_setting_and_members_cannot_change_it(webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork,
                                                     opened: None) -> None:
    say(webhook, "/設定 截單提醒 推播", 2, at(3, 9))  # a member: refused, nothing changes
    assert "團主" in messenger.reply_texts()[-1]
    assert mode(uow) == "reply"
    say(webhook, "/設定 截單提醒 關", HOST_ID, at(3, 10))
    assert "截單提醒：關" in messenger.reply_texts()[-1]
    say(webhook, "/設定 截單提醒 每天", HOST_ID, at(3, 11))
    assert "用法：/設定 截單提醒 回覆" in messenger.reply_texts()[-1]
    before = len(messenger.replies)
    say(webhook, "A+1", 2, at(20, 19))
    assert closing_lines(messenger, before) == [] and notices(uow) == []


def test_help_says_a_group_push_costs_one_message_per_member(webhook: Webhook, messenger: FakeMessenger) -> None:
    say(webhook, "/說明", HOST_ID, at(1, 9))
    assert "截單提醒 回覆|推播|關" in messenger.reply_texts()[-1]
    assert "群組推播每位成員各算一則訊息額度" in messenger.reply_texts()[-1]


def push_mode(webhook: Webhook) -> None:
    say(webhook, "/設定 截單提醒 推播", HOST_ID, at(3, 10))


def group_pushes(messenger: FakeMessenger) -> list[tuple[str, list[Message], str | None]]:
    return [p for p in messenger.pushes if p[0] == GROUP_ID]


def test_the_push_goes_once_between_two_hours_and_thirty_minutes_before(
    webhook: Webhook, messenger: FakeMessenger, settings: Settings, uow: UnitOfWork, opened: None
) -> None:
    push_mode(webhook)
    assert "截單提醒：推播" in messenger.reply_texts()[-1] and "每位成員各算一則" in messenger.reply_texts()[-1]
    for t in (dec20(17, 50), dec20(19, 45)):  # outside the window: too early, then too late
        tick(t, settings=settings, messenger=messenger)
    assert group_pushes(messenger) == []
    for t in (dec20(18, 30), dec20(18, 30), dec20(18, 45), dec20(19, 29)):  # repeated ticks, same instant too
        report = tick(t, settings=settings, messenger=messenger)
    pushes = group_pushes(messenger)
    assert len(pushes) == 1 and pushes[0][2] is not None  # with an X-Line-Retry-Key
    text = pushes[0][1][0]
    assert isinstance(text, Text) and text.text.startswith("⏰ 第1團【冬季火鍋團】再 1 小時 30 分鐘截單｜C 剩 28")
    assert "pushed 0" in report.summary()
    assert ("closing_push", "sent") in notices(uow)


def test_no_push_in_quiet_hours_nor_over_budget_nor_in_reply_mode(
    webhook: Webhook, messenger: FakeMessenger, settings: Settings, uow: UnitOfWork, opened: None
) -> None:
    tick(dec20(18, 30), settings=settings, messenger=messenger)  # reply mode (the default): no push
    assert group_pushes(messenger) == []
    push_mode(webhook)
    with UnitOfWork(uow.engine) as setup:
        reminder_settings.change_setting(setup, "安靜", "18-9")
        setup.commit()
    report = tick(dec20(18, 30), settings=settings, messenger=messenger)
    assert group_pushes(messenger) == [] and "quiet hours: nothing pushed" in report.summary()
    with UnitOfWork(uow.engine) as setup:
        reminder_settings.change_setting(setup, "安靜", "21-9")
        setup.commit()
    messenger.member_counts[GROUP_ID] = 40
    messenger.quota_limit = 30  # a push to 40 members does not fit
    report = tick(dec20(18, 40), settings=settings, messenger=messenger)
    assert group_pushes(messenger) == [] and "over budget 1" in report.summary()
    messenger.quota_limit = 100
    tick(dec20(18, 50), settings=settings, messenger=messenger)
    assert len(group_pushes(messenger)) == 1


class FlakyLine(FakeMessenger):
    """Delivers the first push but answers 500, as if the connection dropped before LINE's answer."""

    def __init__(self, inner: FakeMessenger) -> None:
        super().__init__()
        self.inner = inner
        self.failed = False

    def push(self, to: str, messages: Sequence[Message], retry_key: str | None = None) -> bool:
        delivered = self.inner.push(to, messages, retry_key)
        if not self.failed:
            self.failed = True
            raise LineError(500, "connection reset")
        return delivered


def test_a_push_whose_answer_was_lost_is_retried_with_its_key_and_arrives_once(
    webhook: Webhook, messenger: FakeMessenger, settings: Settings, uow: UnitOfWork, opened: None
) -> None:
    push_mode(webhook)
    flaky = FlakyLine(messenger)
    tick(dec20(18, 30), settings=settings, messenger=flaky)
    assert notices(uow) == [("closing_push", "pending")]
    tick(dec20(18, 35), settings=settings, messenger=flaky)  # same retry key: LINE says 409, marked sent
    assert len(group_pushes(messenger)) == 1
    assert notices(uow) == [("closing_push", "sent")]


@pytest.mark.parametrize(("minutes", "said"), [
    (0, "不到 1 分鐘"), (1, "1 分鐘"), (45, "45 分鐘"), (60, "1 小時"), (80, "1 小時 20 分鐘"), (120, "2 小時"),
])
def test_how_long_is_left_reads_naturally(minutes: int, said: str) -> None:
    assert closing_soon.left_text(minutes) == said


def test_the_push_over_http_is_schema_valid_and_costs_one_message_per_member(
    webhook: Webhook, messenger: FakeMessenger, settings: Settings, opened: None
) -> None:
    push_mode(webhook)
    platform = FakeLinePlatform("closing-token", quota=200)
    platform.add_user(HOST_ID, "團主")
    for n in (1, 2, 3):
        platform.add_user(member_id(n), f"成員{n}")
    platform.add_group(GROUP_ID, "火鍋團", [HOST_ID, member_id(1), member_id(2), member_id(3)])
    with FakeLineServer(platform) as server:
        line = LineMessenger("closing-token", server.base_url)
        assert line.group_member_count(GROUP_ID) == 4
        for _ in range(2):
            tick(dec20(18, 30), settings=settings, messenger=line)
        assert len(platform.pushes) == 1 and platform.violations == []
        assert platform.pushes[0].headers.get("X-Line-Retry-Key")
        assert platform.usage == 4  # a group push is counted once per member
        assert "再 1 小時 30 分鐘截單" in platform.texts_to(GROUP_ID)[-1]
