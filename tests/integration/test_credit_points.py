"""Credit (購物金) and points (集點) through signed webhooks: adjustments, over-payments, credit on the next due,
points earned once on reconciliation and redeemed, and members refused the host commands."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner
from sqlmodel import select

from bot.cli import cli
from infra.db import UnitOfWork
from infra.messages import Text
from models import CreditEntry, Member, PointEntry, Setting
from services.payment_report import payment_rows
from tests.conftest import Webhook
from tests.factories.campaigns import HOTPOT, at
from tests.factories.statements import with_balances, write_statement
from tests.factories.webhook import GROUP_ID, HOST_ID, body, member_id, text_event
from tests.fakes import FakeMessenger
from tests.integration.test_payments import row, say, send_file

SNACKS = """/開團
【年貨零食團】
A. 牛軋糖 $160/包
B. 肉乾 $300/包
12/28 20:00 截單"""
MEI, MING, LAN = member_id(1), member_id(3), member_id(20)


def host_says(webhook: Webhook, text: str, mentions: list[str], ts: int) -> None:
    """Send a host command that mentions members, in the group."""
    event = text_event(text, user_id=HOST_ID, mentions=mentions, ts=ts)
    assert webhook.post(body(event)).status_code == 200


def last_reply(messenger: FakeMessenger) -> Text:
    """Return the last text the bot replied."""
    message = messenger.replies[-1][1][-1]
    assert isinstance(message, Text)
    return message


def ledger(uow: UnitOfWork, table: type[CreditEntry] | type[PointEntry], user: str) -> list[tuple[str, int, Any]]:
    """Return a member's entries as (cause, amount, campaign) and end the read transaction."""
    uow.session.expire_all()
    member = uow.session.exec(select(Member).where(Member.line_user_id == user)).first()
    rows = uow.session.exec(
        select(table).where(table.member_id == (member.id if member else -1)).order_by(table.seq)  # type: ignore[arg-type]
    ).all()
    found = [(r.cause, r.amount, r.campaign_id) for r in rows]
    uow.rollback()
    return found


def export(uow: UnitOfWork, user: str) -> list[dict[str, Any]]:
    """Return a member's payment export rows."""
    rows = [r for r in payment_rows(uow) if r["user_id"] == user]
    uow.rollback()
    return rows


@pytest.fixture
def opened(webhook: Webhook, messenger: FakeMessenger) -> None:
    """Open the hot-pot campaign: 小美 orders A+3 ($540), 阿明 A+1 ($180)."""
    messenger.names.update({MEI: "小美", MING: "阿明", LAN: "小蘭"})
    say(webhook, HOTPOT, HOST_ID, at(1, 10))
    say(webhook, "A+3", 1, at(2, 9))
    say(webhook, "A+1", 3, at(2, 10))
    say(webhook, "大家好", LAN, at(2, 11))


def test_host_adds_and_takes_away_credit(webhook: Webhook, messenger: FakeMessenger, opened: None,
                                         uow: UnitOfWork) -> None:
    host_says(webhook, "/購物金 @小蘭 +100 上次少送一包", [LAN], at(3, 9))
    assert "✅ 小蘭 購物金 +$100（上次少送一包），目前購物金 $100。" in last_reply(messenger).text
    host_says(webhook, "/購物金 @小蘭 -30", [LAN], at(3, 9, 1))
    assert "購物金 -$30，目前購物金 $70" in last_reply(messenger).text
    host_says(webhook, "/購物金 @小蘭 -100 扣太多", [LAN], at(3, 9, 2))
    assert "只剩 $70，最多只能扣 $70" in last_reply(messenger).text and "/購物金 @成員 -70" in last_reply(messenger).text
    host_says(webhook, "/購物金 @小蘭 一百", [LAN], at(3, 9, 3))
    assert "看不懂金額「一百」" in last_reply(messenger).text and "+100" in last_reply(messenger).text
    assert ledger(uow, CreditEntry, LAN) == [("adjustment", 100, None), ("adjustment", -30, None)]

    host_says(webhook, "/購物金 @小蘭", [LAN], at(3, 9, 4))
    assert "小蘭 的購物金：$70" in last_reply(messenger).text and "團主調整 -$30" in last_reply(messenger).text
    say(webhook, "我的購物金", LAN, at(3, 10), group=False)
    assert "💰 你 的購物金：$70" in last_reply(messenger).text
    say(webhook, "我的購物金", LAN, at(3, 10))
    reply = last_reply(messenger)
    assert reply.text.startswith("💰 {m} 的購物金：$70") and reply.mentions == {"m": LAN}

    # Credit for a member who owes is applied to the due at once, and the transfer report shows what is left.
    host_says(webhook, "/購物金 @小美 +100 老客人回饋", [MEI], at(3, 11))
    assert "目前購物金 $0；已自動折抵應付 $100" in last_reply(messenger).text
    assert ledger(uow, CreditEntry, MEI) == [("adjustment", 100, None), ("applied", -100, 1)]
    say(webhook, "已匯款 後五碼12345 440元", 1, at(3, 12))
    assert "第1團【冬季火鍋團】應付 $540，購物金折抵 $100，請匯 $440" in last_reply(messenger).text
    assert "提醒" not in last_reply(messenger).text  # 440 is exactly what is left
    [line] = export(uow, MEI)
    assert (line["due"], line["credit_applied"], line["status"]) == (440, 100, "claimed")

    send_file(webhook, messenger, write_statement(bank="post", rows=with_balances([row(440, "12345", 1)])), "a.csv")
    assert "✅ 已付清（1 人）" in last_reply(messenger).text
    [line] = export(uow, MEI)
    assert (line["due"], line["credit_applied"], line["received"], line["status"]) == (440, 100, 440, "paid")


def test_an_over_payment_becomes_credit_that_pays_the_next_campaign(webhook: Webhook, messenger: FakeMessenger,
                                                                    opened: None, uow: UnitOfWork) -> None:
    say(webhook, "已匯款 後五碼33333 200元", 3, at(3, 9))
    statement = write_statement(bank="post", rows=with_balances([row(200, "33333", 1)]))
    send_file(webhook, messenger, statement, "a.csv")
    summary = last_reply(messenger).text
    assert "💸 多付，多的錢已轉為購物金、下次自動折抵（1 人）" in summary and "多$20（已轉為購物金）" in summary
    assert ledger(uow, CreditEntry, MING) == [("over_payment", 20, 1)]
    send_file(webhook, messenger, statement, "a.csv")  # the same statement again: nothing twice
    assert ledger(uow, CreditEntry, MING) == [("over_payment", 20, 1)]
    say(webhook, "我的購物金", 3, at(3, 10), group=False)
    assert "$20" in last_reply(messenger).text and "多付轉入 +$20（第1團多付的款項）" in last_reply(messenger).text

    say(webhook, "/截單", HOST_ID, at(4, 9))
    say(webhook, SNACKS, HOST_ID, at(5, 9))
    say(webhook, "第2團 A+1", 3, at(5, 10))
    first, second = export(uow, MING)
    assert (first["due"], first["received"], first["status"]) == (180, 200, "over")
    assert (second["campaign_id"], second["due"], second["credit_applied"], second["status"]) == (2, 140, 20, "unpaid")

    say(webhook, "已匯款 後五碼33333 140元", 3, at(5, 11))
    assert "第2團【年貨零食團】應付 $160，購物金折抵 $20，請匯 $140" in last_reply(messenger).text
    send_file(webhook, messenger, write_statement(bank="post", rows=with_balances(
        [row(200, "33333", 1), row(140, "33333", 2)])), "b.csv")
    assert "✅ 已付清（1 人）" in last_reply(messenger).text
    assert ledger(uow, CreditEntry, MING) == [("over_payment", 20, 1), ("applied", -20, 2)]
    _first, second = export(uow, MING)
    assert (second["due"], second["credit_applied"], second["received"], second["status"]) == (140, 20, 140, "paid")


def test_points_are_earned_once_on_reconciliation_and_redeemed(webhook: Webhook, messenger: FakeMessenger,
                                                               opened: None, uow: UnitOfWork) -> None:
    say(webhook, "/設定 集點 100", HOST_ID, at(2, 20))
    assert "集點：每付 $100 集 1 點" in last_reply(messenger).text
    say(webhook, "/設定 集點 零", HOST_ID, at(2, 20, 1))
    assert "用法：/設定 集點 100" in last_reply(messenger).text
    claim = body(text_event("已匯款 後五碼12345 540元", user_id=MEI, ts=at(3, 9)))
    assert webhook.post(claim).status_code == 200
    statement = write_statement(bank="post", rows=with_balances([row(540, "12345", 1)]))
    send_file(webhook, messenger, statement, "a.csv")
    assert "⭐ 這次對帳集到點數：1 人、共 5 點" in last_reply(messenger).text
    assert ledger(uow, PointEntry, MEI) == [("earned", 5, 1)]

    send_file(webhook, messenger, statement, "a.csv")  # reconciliation run again
    assert webhook.post(claim).status_code == 200  # a redelivered webhook
    say(webhook, "已匯款 後五碼12345 540元", 1, at(3, 12))  # the member reports again
    say(webhook, "/對帳", HOST_ID, at(3, 13), group=False)
    assert ledger(uow, PointEntry, MEI) == [("earned", 5, 1)]

    say(webhook, "我的點數", 1, at(3, 14))
    assert "⭐ {m} 的點數：5 點（每付 $100 集 1 點；1 點可換 $1 購物金）" in last_reply(messenger).text
    host_says(webhook, "/點數 兌換 @小美 9", [MEI], at(3, 15))
    assert "點數不夠：目前只有 5 點" in last_reply(messenger).text
    say(webhook, "/設定 點數折抵 2", HOST_ID, at(3, 16))
    host_says(webhook, "/點數 兌換 @小美 5", [MEI], at(3, 17))
    assert "✅ 小美 用 5 點換了 $10 購物金；剩 0 點，購物金 $10。" in last_reply(messenger).text
    assert ledger(uow, PointEntry, MEI) == [("earned", 5, 1), ("redeem", -5, None)]
    assert ledger(uow, CreditEntry, MEI) == [("redeem", 10, None)]

    result = CliRunner().invoke(cli, ["export", "members", "--format", "json"], env={"DATABASE_URL": _url(uow)})
    assert result.exit_code == 0, result.output
    mei = next(r for r in json.loads(result.output) if r["user_id"] == MEI)
    assert (mei["credit"], mei["points"]) == (10, 0)


def test_members_are_refused_the_host_commands(webhook: Webhook, messenger: FakeMessenger, opened: None,
                                               uow: UnitOfWork) -> None:
    for text in ("/購物金 @阿明 +1000", "/點數 兌換 @阿明 50", "/設定 集點 1"):
        event = text_event(text, user_id=MEI, mentions=[MING], ts=at(3, 9))
        assert webhook.post(body(event)).status_code == 200
        assert "只有團主可以使用" in last_reply(messenger).text and "/說明" in last_reply(messenger).text
    assert ledger(uow, CreditEntry, MING) == [] and ledger(uow, PointEntry, MING) == []
    assert uow.session.exec(select(Setting).where(Setting.scope.startswith("group:"))).all() == []  # type: ignore[attr-defined]
    uow.rollback()

    say(webhook, "/說明", 1, at(3, 10), group=False)
    assert "我的購物金" in last_reply(messenger).text and "/購物金" not in last_reply(messenger).text
    assert webhook.post(body(text_event("/說明", user_id=HOST_ID, group_id=GROUP_ID))).status_code == 200
    assert "/購物金 @成員 +100 備註" in last_reply(messenger).text and "/點數 兌換 @成員 50" in last_reply(messenger).text


def _url(uow: UnitOfWork) -> str:
    """Return the URL of the test database."""
    return uow.engine.url.render_as_string(hide_password=False)
