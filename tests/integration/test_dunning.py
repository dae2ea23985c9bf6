"""/催款 through signed webhooks: one reply mentioning who has not paid in full (after credit), split within LINE's
limits; 催款私訊: at most one 1:1 push a day per member across repeated ticks and a restart, none in quiet hours,
deferred on a short quota; members refused the host commands."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

import pytest
from linebot.v3.messaging import ReplyMessageRequest
from sqlmodel import select

from bot.fakeline.validation import RequestValidator
from infra.config import Settings
from infra.db import UnitOfWork
from infra.messages import Message, Text
from infra.messenger import LineError, to_sdk
from models import ReminderSent, Setting
from scheduler.jobs import tick
from services.payment_report import payment_rows
from tests.conftest import Webhook
from tests.factories.campaigns import HOTPOT, TPE, at
from tests.factories.orders import add_campaign, add_member, add_order
from tests.factories.statements import with_balances, write_statement
from tests.factories.webhook import HOST_ID, body, follow_event, member_id, text_event
from tests.fakes import FakeMessenger
from tests.integration.test_payments import row, say, send_file

NAMES = {1: "小美", 2: "大雄", 3: "阿明", 4: "小蘭", 5: "阿華", 6: "靜香"}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def host_says(webhook: Webhook, text: str, ts: int, mentions: Sequence[str] = ()) -> None:
    """Send a host command in the group."""
    assert webhook.post(body(text_event(text, user_id=HOST_ID, ts=ts, mentions=list(mentions)))).status_code == 200


def last_messages(messenger: FakeMessenger) -> list[Message]:
    """Return the messages of the last reply."""
    return messenger.replies[-1][1]


def last_text(messenger: FakeMessenger) -> str:
    message = messenger.replies[-1][1][-1]
    assert isinstance(message, Text)
    return message.text


def assert_schema_valid(messages: list[Message]) -> None:
    """Check the reply against LINE's OpenAPI spec, and every {placeholder} against its substitution."""
    assert len(messages) <= 5
    raw = ReplyMessageRequest(reply_token="x" * 32, messages=[to_sdk(m) for m in messages]).to_json()
    result = RequestValidator().validate("/v2/bot/message/reply", raw)
    assert result.ok, result.details
    for m in messages:
        assert isinstance(m, Text)
        assert set(PLACEHOLDER.findall(m.text)) == set(m.mentions)


def chased(messages: list[Message]) -> dict[str, str]:
    """Return {user id: their line} of the members a /催款 reply mentions."""
    found = {}
    for m in messages:
        assert isinstance(m, Text)
        for line in m.text.splitlines():
            key = PLACEHOLDER.match(line)
            if key:
                found[m.mentions[key.group(1)]] = line[key.end():].strip()
    return found


def dunning_pushes(messenger: FakeMessenger) -> list[tuple[str, str, str | None]]:
    """Return (to, text, retry key) of the payment reminders pushed."""
    return [(to, m.text, key) for to, msgs, key in messenger.pushes for m in msgs
            if isinstance(m, Text) and m.text.startswith("💰 付款提醒")]


@pytest.fixture
def owing(webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork) -> None:
    """小美 paid $400 of $540, 大雄 all $400, 阿明's $180 is covered by credit, 小蘭 owes $400, 阿華 $180 less
    $100 credit, 靜香 reported a transfer the host has not reconciled yet."""
    messenger.names.update({member_id(n): name for n, name in NAMES.items()})
    say(webhook, HOTPOT, HOST_ID, at(1, 10))
    for n, comment in {1: "A+3", 2: "B+2", 3: "A+1", 4: "B+2", 5: "A+1", 6: "A+1"}.items():
        say(webhook, comment, n, at(2, 9, n))
    host_says(webhook, "/購物金 @阿明 +180 上次缺貨", at(2, 12), [member_id(3)])
    host_says(webhook, "/購物金 @阿華 +100 老客人回饋", at(2, 12, 1), [member_id(5)])
    say(webhook, "已匯款 後五碼12345 400元", 1, at(3, 9))
    say(webhook, "已匯款 後五碼22222 400元", 2, at(3, 9, 1))
    statement = write_statement(bank="post", rows=with_balances([row(400, "12345", 1), row(400, "22222", 2)]))
    send_file(webhook, messenger, statement, "a.csv", ts=at(3, 20))
    say(webhook, "已匯款 後五碼66666 180元", 6, at(4, 8))
    uow.rollback()


def test_chase_mentions_who_owes_with_the_amount_after_credit(webhook: Webhook, messenger: FakeMessenger,
                                                               owing: None, uow: UnitOfWork) -> None:
    status = {r["user_id"]: r["status"] for r in payment_rows(uow)}
    uow.rollback()
    assert [status[member_id(n)] for n in (1, 2, 3, 4, 5, 6)] == ["short", "paid", "paid", "unpaid", "unpaid",
                                                                   "claimed"]
    host_says(webhook, "/催款", at(4, 10))
    messages = last_messages(messenger)
    assert len(messages) == 1
    assert_schema_valid(messages)
    assert chased(messages) == {
        member_id(1): "還差 $140（應付 $540，已收 $400）",
        member_id(4): "請匯 $400",
        member_id(5): "請匯 $80（應付 $180，購物金折抵 $100）",
    }
    text = last_text(messenger)
    assert text.startswith("💰 付款提醒：還有 3 位尚未付清（共 $620）")
    assert "已匯款 後五碼12345 540元" in text and "另有 1 位已回報匯款、等團主對帳" in text
    assert "📩" not in text  # 催款私訊 is off: nothing queued
    with_campaign = len(messenger.replies)
    host_says(webhook, "/催款 1", at(4, 10, 1))
    assert len(messenger.replies) == with_campaign + 1
    assert last_text(messenger).startswith("💰 第1團【冬季火鍋團】付款提醒：還有 3 位")
    host_says(webhook, "/催款 9", at(4, 10, 2))
    assert last_text(messenger) == "這個群組沒有第 9 團。輸入 /統計 看看目前的團。"


def test_everyone_paid_is_said_so(webhook: Webhook, messenger: FakeMessenger) -> None:
    say(webhook, HOTPOT, HOST_ID, at(1, 10))
    host_says(webhook, "/催款", at(1, 11))
    assert last_text(messenger).startswith("🎉 目前大家都付清了")
    say(webhook, "A+1", 1, at(1, 12))
    say(webhook, "已匯款 後五碼12345 180元", 1, at(1, 13))
    send_file(webhook, messenger, write_statement(bank="post", rows=with_balances([row(180, "12345", 1)])), "a.csv")
    host_says(webhook, "/催款", at(4, 11))
    assert last_text(messenger).startswith("🎉 目前大家都付清了")


@pytest.mark.parametrize(("owing_members", "messages", "listed"), [(45, 3, 45), (130, 5, 100)])
def test_many_members_are_split_within_line_limits(webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork,
                                                   owing_members: int, messages: int, listed: int) -> None:
    campaign = add_campaign(uow, "大團", status="closed", deadline=datetime(2026, 12, 1, 20, tzinfo=TPE))
    for n in range(1, owing_members + 1):
        add_order(uow, campaign, add_member(uow, n, f"團員{n}"), {"A": 1 + n % 3})
    uow.commit()
    host_says(webhook, "/催款", at(4, 10))
    reply = last_messages(messenger)
    assert len(reply) == messages
    assert_schema_valid(reply)
    assert all(len(m.mentions) <= 20 for m in reply if isinstance(m, Text))
    assert len(chased(reply)) == listed
    if listed < owing_members:
        assert f"…還有 {owing_members - listed} 位沒列出" in last_text(messenger)


def befriend(webhook: Webhook, *numbers: int) -> None:
    for n in numbers:
        assert webhook.post(body(follow_event(member_id(n), ts=at(1, 8)))).status_code == 200


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=TPE)


def test_pushes_go_once_a_day_across_ticks_and_a_restart(webhook: Webhook, messenger: FakeMessenger,
                                                         settings: Settings, owing: None, uow: UnitOfWork) -> None:
    befriend(webhook, 1, 3, 4)  # 小美 and 小蘭 owe and are friends; 阿明 is a friend who owes nothing; 阿華 is not
    host_says(webhook, "/設定 催款私訊 開", at(4, 9))
    assert "催款私訊：開" in last_text(messenger)
    host_says(webhook, "/催款", at(4, 10))
    assert "📩 2 位已加好友的成員幾分鐘內（下一次排程）會收到私訊" in last_text(messenger)
    assert dunning_pushes(messenger) == []  # /催款 only queues: the clock delivers

    report = tick(local(4, 10, 15), settings=settings, messenger=messenger)
    assert report.steps["dunning"].startswith("sent 2,")
    pushes = dunning_pushes(messenger)
    assert {to for to, _, _ in pushes} == {member_id(1), member_id(4)} and all(key for _, _, key in pushes)
    by_user = {to: text for to, text, _ in pushes}
    assert by_user[member_id(4)].split("\n")[1].startswith("團購訂單還有 $400 尚未付款")
    assert "還有 $140 尚未付款（應付 $540，已收 $400）" in by_user[member_id(1)]
    assert "已匯款 後五碼12345 140元" in by_user[member_id(1)]
    assert "還有 $400 尚未付款" in by_user[member_id(4)]

    tick(local(4, 10, 15), settings=settings, messenger=messenger)  # the same instant again
    tick(local(4, 10, 30), settings=settings, messenger=messenger)
    host_says(webhook, "/催款 1", at(4, 11))  # again the same day: nobody is queued twice
    assert "📩 2 位今天已私訊過" in last_text(messenger)
    tick(local(4, 11, 15), settings=settings, messenger=messenger)
    assert len(dunning_pushes(messenger)) == 2

    # The next day: a push LINE took but whose answer was lost is resent with its key after a restart: no double.
    host_says(webhook, "/催款", at(5, 10))
    flaky = Flaky(messenger)
    tick(local(5, 10, 15), settings=settings, messenger=flaky)
    assert len(dunning_pushes(messenger)) == 4  # delivered, but the clock never heard back
    assert pending(uow) == 2
    tick(local(5, 10, 30), settings=settings, messenger=messenger)  # restarted clock: same retry keys → 409
    assert len(dunning_pushes(messenger)) == 4 and pending(uow) == 0
    keys = [key for _, _, key in dunning_pushes(messenger)]
    assert len(set(keys)) == 4
    uow.session.expire_all()
    rows = uow.session.exec(select(ReminderSent).where(ReminderSent.kind == "dunning")).all()
    assert sorted((r.status, r.dedupe_key.split(":")[2]) for r in rows) == [("sent", "sent")] * 4
    uow.rollback()


class Flaky:
    """A messenger whose pushes reach LINE but whose answers are lost (the clock is stopped mid-push)."""

    def __init__(self, real: FakeMessenger) -> None:
        self.real = real

    def push(self, to: str, messages: Sequence[Message], retry_key: str | None = None) -> bool:
        self.real.push(to, messages, retry_key)
        raise LineError(0, "connection reset")

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.real, name)


def pending(uow: UnitOfWork) -> int:
    uow.session.expire_all()
    n = len(uow.session.exec(select(ReminderSent).where(ReminderSent.kind == "dunning",
                                                        ReminderSent.status == "pending")).all())
    uow.rollback()
    return n


def test_quiet_hours_wait_and_a_short_quota_defers_and_tells_the_host(
    webhook: Webhook, messenger: FakeMessenger, settings: Settings, owing: None
) -> None:
    befriend(webhook, 1, 4, 5)
    host_says(webhook, "/設定 催款私訊 開", at(4, 22))
    host_says(webhook, "/催款", at(4, 22, 30))
    assert "📩 3 位已加好友的成員安靜時段過後（09:00）會收到私訊" in last_text(messenger)
    assert tick(local(4, 22, 45), settings=settings, messenger=messenger).steps["dunning"] == "quiet hours: nothing sent"
    assert tick(local(5, 8, 45), settings=settings, messenger=messenger).steps["dunning"] == "quiet hours: nothing sent"
    assert dunning_pushes(messenger) == []

    messenger.quota_limit = len(messenger.pushes) + 2  # 3 queued, room for one push and the host's notice
    report = tick(local(5, 9), settings=settings, messenger=messenger)
    assert report.steps["dunning"].startswith("sent 1,") and "deferred 2" in report.steps["dunning"]
    host_notes = [m.text for to, msgs, _ in messenger.pushes for m in msgs if to == HOST_ID and isinstance(m, Text)]
    assert len(host_notes) == 1 and "2 則催款私訊先暫緩" in host_notes[0]
    tick(local(5, 9, 15), settings=settings, messenger=messenger)  # still short: the host is not told twice
    assert len([to for to, _, _ in messenger.pushes if to == HOST_ID]) == 1
    assert len(dunning_pushes(messenger)) == 1

    messenger.quota_limit = None  # the host bought more messages
    tick(local(5, 9, 30), settings=settings, messenger=messenger)
    assert sorted(to for to, _, _ in dunning_pushes(messenger)) == [member_id(1), member_id(4), member_id(5)]


def test_a_member_who_paid_meanwhile_gets_no_push(webhook: Webhook, messenger: FakeMessenger, settings: Settings,
                                                  owing: None) -> None:
    befriend(webhook, 4)
    host_says(webhook, "/設定 催款私訊 開", at(4, 22))
    host_says(webhook, "/催款", at(4, 22, 30))
    say(webhook, "已匯款 後五碼44444 400元", 4, at(4, 23))
    statement = write_statement(bank="post", rows=with_balances(
        [row(400, "12345", 1), row(400, "22222", 2), row(400, "44444", 3)]))
    send_file(webhook, messenger, statement, "b.csv", ts=at(4, 23, 30))
    report = tick(local(5, 9), settings=settings, messenger=messenger)
    assert report.steps["dunning"].startswith("sent 0,") and "skipped 1" in report.steps["dunning"]
    assert dunning_pushes(messenger) == []


def test_members_are_refused_the_host_commands(webhook: Webhook, messenger: FakeMessenger, owing: None,
                                               uow: UnitOfWork) -> None:
    befriend(webhook, 1, 4)
    for command in ("/催款", "/催款 1", "/設定 催款私訊 開"):
        say(webhook, command, 4, at(4, 12))
        assert "只有團主可以使用" in last_text(messenger)
    assert uow.session.exec(select(Setting).where(Setting.key == "dunning.push")).first() is None
    assert uow.session.exec(select(ReminderSent).where(ReminderSent.kind == "dunning")).all() == []
    uow.rollback()
    host_says(webhook, "/設定", at(4, 12, 1))
    assert "催款私訊：關" in last_text(messenger)


def test_the_setting_refuses_other_words(webhook: Webhook, messenger: FakeMessenger) -> None:
    host_says(webhook, "/設定 催款私訊 好", at(4, 12))
    assert "用法：/設定 催款私訊 開" in last_text(messenger)
    host_says(webhook, "/設定 不知道", at(4, 12, 1))
    assert "/設定 催款私訊 開|關" in last_text(messenger)



def test_help_lists_the_new_commands_for_hosts_only(webhook: Webhook, messenger: FakeMessenger) -> None:
    host_says(webhook, "/說明", at(4, 12))
    text = last_text(messenger)
    assert "/催款 [團號]：在群組標記還沒付清的成員和金額" in text
    assert "/黑名單 [新增 @成員 原因｜移除 @成員]：未取貨多次或被封鎖的成員；新增／移除" in text
    say(webhook, "/說明", 4, at(4, 12, 1))
    assert "/催款" not in last_text(messenger) and "/黑名單" not in last_text(messenger)
