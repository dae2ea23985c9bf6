"""Campaigns and "+1" orders through signed webhooks: the order book stays exact and explainable."""

from __future__ import annotations

import csv
import io
import itertools
import json
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlmodel import col, select

from bot.cli import cli
from infra.db import UnitOfWork
from infra.messages import Text
from models import Campaign, Group, Item, Member, OrderChange, OrderLine
from parsers.comment import Intent
from services import directory, order_book, order_requests
from services.order_export import order_rows
from tests.conftest import SECRET, Webhook
from tests.factories.campaigns import HOTPOT, VEGGIES, at
from tests.factories.webhook import (
    HOST_ID,
    body,
    edited_event,
    member_id,
    sign,
    text_event,
    unsend_event,
)
from tests.fakes import FakeMessenger


def say(webhook: Webhook, text: str, who: int | str, ts: int, **kw: Any) -> dict[str, Any]:
    """Post one comment from a member (int) or a user id (str); return the event."""
    user = member_id(who) if isinstance(who, int) else who
    event = text_event(text, user_id=user, ts=ts, **kw)
    assert webhook.post(body(event)).status_code == 200
    return event


def last_reply(messenger: FakeMessenger) -> Text:
    """Return the last text the bot replied."""
    message = messenger.replies[-1][1][-1]
    assert isinstance(message, Text)
    return message


def book(uow: UnitOfWork) -> dict[tuple[str, str, str], int]:
    """Return {(user_id, item_code, status): qty} from the export rows."""
    rows = order_rows(uow, include_cancelled=True)
    uow.rollback()  # end the read transaction: on SQLite it holds the write lock
    return {(r["user_id"], r["item_code"], r["status"]): r["qty"] for r in rows}


@pytest.fixture
def hotpot(webhook: Webhook, messenger: FakeMessenger) -> None:
    """Open the hot-pot campaign as the host."""
    say(webhook, HOTPOT, HOST_ID, at(1, 10))
    assert "開團成功" in last_reply(messenger).text


def test_open_campaign_reply_shows_what_was_understood(webhook: Webhook, messenger: FakeMessenger) -> None:
    say(webhook, HOTPOT, HOST_ID, at(1, 10))
    text = last_reply(messenger).text
    assert "第1團【冬季火鍋團】" in text
    assert "A. 高麗菜豬肉水餃 $180/包" in text
    assert "C. 手工蛋捲 $250/盒（限量30）" in text
    assert "12/20(日) 20:00" in text
    assert "12/25" in text


def test_unreadable_announcement_says_what_is_missing(webhook: Webhook, messenger: FakeMessenger) -> None:
    say(webhook, "/開團\n大家好，這週要團什麼呢？", HOST_ID, at(1, 10))
    assert last_reply(messenger).text.startswith("開團失敗：")
    say(webhook, "/開團", HOST_ID, at(1, 10))
    assert "下一行貼上團購文" in last_reply(messenger).text


def test_member_cannot_open_a_campaign(webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork) -> None:
    say(webhook, HOTPOT, 1, at(1, 10))
    assert "只有團主" in last_reply(messenger).text
    say(webhook, "/截單", 1, at(1, 10))
    assert "只有團主" in last_reply(messenger).text
    assert order_rows(uow) == []


COMMENTS = [  # (member, text, expected {item: confirmed qty} after it)
    (1, "A+2 B+1", {"A": 2, "B": 1}),
    (2, "高麗菜+1", {"A": 1}),
    (3, "我要兩包韭菜", {"B": 2}),
    (1, "A改3", {"A": 3, "B": 1}),
    (4, "a+2、b+1 謝謝🙏", {"A": 2, "B": 1}),
    (5, "+1 韭菜", {"B": 1}),
    (6, "蛋捲x2", {"C": 2}),
    (7, "Ａ＋１", {"A": 1}),
    (8, "C 2盒", {"C": 2}),
    (4, "A-1", {"A": 1, "B": 1}),
    (9, "B*3", {"B": 3}),
    (10, "A+1\nB+1\nC+1", {"A": 1, "B": 1, "C": 1}),
    (2, "取消", {}),
    (11, "韭菜水餃 ×2 感謝團主", {"B": 2}),
    (12, "改B+4", {"B": 4}),
    (10, "取消C", {"A": 1, "B": 1}),
    (13, "我也要 A+1", {"A": 1}),
    (14, "A1 B2", {"A": 1, "B": 2}),
]


def test_varied_comments_build_the_expected_book(
    webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork, hotpot: None
) -> None:
    expected: dict[str, dict[str, int]] = {}
    for n, (who, text, after) in enumerate(COMMENTS):
        replies_before = len(messenger.replies)
        say(webhook, text, who, at(2, 9, n))
        expected[member_id(who)] = after
        assert len(messenger.replies) == replies_before + 1, text
        reply = last_reply(messenger)
        assert reply.mentions == {"m": member_id(who)} and reply.quote_token, text
    got: dict[str, dict[str, int]] = {}
    for (user, code, status), qty in book(uow).items():
        if status == "confirmed":
            got.setdefault(user, {})[code] = qty
    assert got == {user: items for user, items in expected.items() if items}


@pytest.mark.parametrize("text", ["A還有嗎？", "請問+1之後要怎麼付款", "我也覺得+1", "0912-345-678", "12/8 前會到嗎", "好期待"])
def test_not_orders_change_nothing_and_get_no_reply(
    webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork, hotpot: None, text: str
) -> None:
    replies = len(messenger.replies)
    say(webhook, text, 1, at(2, 9))
    assert len(messenger.replies) == replies
    assert book(uow) == {}


def test_ask_then_tap_completes_the_order(
    webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork, hotpot: None
) -> None:
    say(webhook, "+2", 1, at(2, 9))
    question = last_reply(messenger)
    assert "哪一項" in question.text
    labels = {b.label: b.text for b in question.quick_replies}
    assert labels["B 韭菜水餃"] == "B+2"
    assert book(uow) == {}
    say(webhook, labels["B 韭菜水餃"], 1, at(2, 9, 1))  # the tap arrives as the member's message
    assert book(uow) == {(member_id(1), "B", "confirmed"): 2}


def test_large_quantity_is_confirmed_first(
    webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork, hotpot: None
) -> None:
    say(webhook, "A+100", 1, at(2, 9))
    (button,) = last_reply(messenger).quick_replies
    assert book(uow) == {}
    say(webhook, button.text or "", 1, at(2, 9, 1))
    assert book(uow) == {(member_id(1), "A", "confirmed"): 100}


def test_unknown_item_lists_the_items(webhook: Webhook, messenger: FakeMessenger, hotpot: None) -> None:
    say(webhook, "鮭魚+1", 1, at(2, 9))
    assert "找不到這個品項" in last_reply(messenger).text and "C 手工蛋捲" in last_reply(messenger).text


def concurrent_comments(app: Flask, events: list[dict[str, Any]]) -> list[int]:
    """POST each event in its own thread at once; return the status codes."""
    statuses: list[int] = []
    barrier = threading.Barrier(len(events))

    def send(event: dict[str, Any]) -> None:
        raw = body(event)
        client = app.test_client()
        barrier.wait()
        resp = client.post("/callback", data=raw, headers={"X-Line-Signature": sign(raw, SECRET)})
        statuses.append(resp.status_code)

    threads = [threading.Thread(target=send, args=(e,)) for e in events]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return statuses


def test_forty_concurrent_comments_never_oversell(
    app: Flask, webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork, hotpot: None
) -> None:
    events = [text_event("C+1", user_id=member_id(100 + n), ts=at(2, 12, 0, n)) for n in range(40)]
    assert concurrent_comments(app, events) == [200] * 40
    rows = book(uow)
    confirmed = [u for (u, code, status) in rows if status == "confirmed"]
    waitlisted = [u for (u, code, status) in rows if status == "waitlisted"]
    assert len(confirmed) == 30 and sum(rows[(u, "C", "confirmed")] for u in confirmed) == 30
    assert len(waitlisted) == 10
    assert len({token for token, _ in messenger.replies}) == len(messenger.replies)  # each token used once


def test_cancel_promotes_the_waitlist_and_tells_them(
    webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork, hotpot: None
) -> None:
    say(webhook, "C+29", 1, at(2, 9))
    say(webhook, "C+2", 2, at(2, 9, 1))  # 1 confirmed, 1 waitlisted
    say(webhook, "C+1", 3, at(2, 9, 2))  # waitlisted
    assert "候補第1位" in last_reply(messenger).text or "候補" in messenger.reply_texts()[-2]
    assert book(uow)[(member_id(2), "C", "waitlisted")] == 1
    say(webhook, "C-2", 1, at(2, 10))  # frees two
    rows = book(uow)
    assert rows[(member_id(2), "C", "confirmed")] == 2
    assert rows[(member_id(3), "C", "confirmed")] == 1
    assert not any(status == "waitlisted" for (_, _, status) in rows)
    notice = [m for m in messenger.replies[-1][1] if isinstance(m, Text) and "遞補" in m.text]
    assert notice and set(notice[0].mentions.values()) == {member_id(2), member_id(3)}


def test_redelivered_comment_changes_nothing(
    webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork, hotpot: None
) -> None:
    event = say(webhook, "A+2", 1, at(2, 9))
    again = json.loads(json.dumps(event))
    again["deliveryContext"]["isRedelivery"] = True
    replies = len(messenger.replies)
    assert webhook.post(body(again)).status_code == 200
    assert book(uow) == {(member_id(1), "A", "confirmed"): 2}
    assert len(messenger.replies) == replies


def test_unsend_withdraws_exactly_that_comment(webhook: Webhook, uow: UnitOfWork, hotpot: None) -> None:
    say(webhook, "A+2", 1, at(2, 9))
    second = say(webhook, "A+1 B+1", 1, at(2, 9, 1))
    say(webhook, "C+1", 1, at(2, 9, 2))
    webhook.post(body(unsend_event(second["message"]["id"], user_id=member_id(1))))
    assert book(uow) == {(member_id(1), "A", "confirmed"): 2, (member_id(1), "C", "confirmed"): 1}


def test_unsend_of_a_cancel_restores_the_order(webhook: Webhook, uow: UnitOfWork, hotpot: None) -> None:
    say(webhook, "A+2 C+1", 1, at(2, 9))
    cancel = say(webhook, "取消", 1, at(2, 9, 1))
    assert book(uow)[(member_id(1), "A", "cancelled")] == 2
    webhook.post(body(unsend_event(cancel["message"]["id"], user_id=member_id(1))))
    assert book(uow) == {(member_id(1), "A", "confirmed"): 2, (member_id(1), "C", "confirmed"): 1}


def test_edit_replaces_what_the_original_did(
    webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork, hotpot: None
) -> None:
    original = say(webhook, "A+2", 1, at(2, 9))
    webhook.post(body(edited_event(original["message"]["id"], "B+3", user_id=member_id(1), ts=at(2, 9, 5))))
    assert book(uow) == {(member_id(1), "B", "confirmed"): 3}
    assert "B 韭菜水餃 ×3" in last_reply(messenger).text
    webhook.post(body(edited_event(original["message"]["id"], "算了謝謝", user_id=member_id(1), ts=at(2, 9, 6))))
    assert book(uow) == {}


def test_late_comment_is_refused_but_a_late_arriving_early_comment_counts(
    webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork, hotpot: None
) -> None:
    early = text_event("A+1", user_id=member_id(1), ts=at(20, 19, 59))  # sent before the 20:00 cutoff
    say(webhook, "B+1", 2, at(20, 20, 1))  # sent after it
    assert "已於 12/20(日) 20:00 截單" in last_reply(messenger).text
    assert webhook.post(body(early)).status_code == 200  # arrives late (redelivery)
    assert book(uow) == {(member_id(1), "A", "confirmed"): 1}


def waitlist(uow: UnitOfWork, code: str) -> list[str]:
    """Return the user ids waiting for an item, in waitlist order (one entry per waiting line)."""
    rows = uow.session.exec(
        select(Member.line_user_id)
        .join(OrderLine, col(OrderLine.member_id) == col(Member.id))
        .join(Item, col(Item.id) == col(OrderLine.item_id))
        .where(Item.code == code, col(OrderLine.qty) > col(OrderLine.confirmed_qty))
        .order_by(col(OrderLine.sent_at), col(OrderLine.id))
    ).all()
    uow.rollback()
    return list(rows)


# LINE redelivers a body only after it failed (a 503 during a database outage), so a comment can arrive after the
# same member's later ones were applied. Each case: (member, comment, second sent) in send order; which of them
# arrive late, last, in that order; the book and item C's waitlist (member per waiting line) either way.
LATE_ARRIVALS = [
    pytest.param([(1, "A+1", 1), (1, "A改3", 2)], [0], {(1, "A", "confirmed"): 3}, [], id="set after a late add"),
    pytest.param([(1, "A+2", 1), (1, "取消", 2)], [0], {(1, "A", "cancelled"): 2}, [], id="cancel after a late add"),
    pytest.param([(1, "A+1", 1), (1, "A+1", 2)], [0], {(1, "A", "confirmed"): 2}, [], id="add after a late add"),
    pytest.param([(1, "A+2 B+1", 1), (1, "A改3", 2), (1, "B改2 A-1", 3)], [0],
                 {(1, "A", "confirmed"): 2, (1, "A", "cancelled"): 1, (1, "B", "confirmed"): 2}, [],
                 id="two later messages"),
    pytest.param([(1, "A+1", 1), (1, "A+2", 2), (1, "A改1", 3)], [1],
                 {(1, "A", "confirmed"): 1, (1, "A", "cancelled"): 2}, [], id="a later set that changed nothing when applied"),
    pytest.param([(1, "A+1", 1), (1, "A改3", 2), (1, "A+1", 3)], [2, 1], {(1, "A", "confirmed"): 4}, [],
                 id="two late ones, the newer first"),
    pytest.param([(1, "A+1", 1), (1, "B+2", 2)], [0], {(1, "A", "confirmed"): 1, (1, "B", "confirmed"): 2}, [],
                 id="a later message for another item only"),
    pytest.param([(2, "C+28", 0), (1, "C+2", 1), (1, "C改3", 2), (3, "C+2", 3)], [1],
                 {(2, "C", "confirmed"): 28, (1, "C", "confirmed"): 2, (1, "C", "waitlisted"): 1,
                  (3, "C", "waitlisted"): 2}, [1, 3], id="the limited item's waitlist stays in send order"),
    pytest.param([(2, "C+29", 0), (1, "C+1", 1), (3, "C+1", 2), (1, "取消", 3)], [1],
                 {(2, "C", "confirmed"): 29, (1, "C", "cancelled"): 1, (3, "C", "confirmed"): 1}, [],
                 id="a late add then a cancel leaves the stock to the next member"),
]


@pytest.mark.parametrize("delivery", ["in send order", "late"])
@pytest.mark.parametrize(("comments", "late", "expected", "waiting"), LATE_ARRIVALS)
def test_a_late_arriving_comment_is_applied_in_send_order(
    webhook: Webhook, uow: UnitOfWork, hotpot: None, comments: list[tuple[int, str, int]], late: list[int],
    expected: dict[tuple[int, str, str], int], waiting: list[int], delivery: str,
) -> None:
    events = [text_event(text, user_id=member_id(who), ts=at(2, 9, 0, second)) for who, text, second in comments]
    order = [n for n in range(len(events)) if n not in late] + late if delivery == "late" else range(len(events))
    for n in order:
        assert webhook.post(body(events[n])).status_code == 200
    assert book(uow) == {(member_id(who), code, status): qty for (who, code, status), qty in expected.items()}
    assert waitlist(uow, "C") == [member_id(who) for who in waiting]


def test_a_late_comment_replays_only_its_own_members_later_messages(
    webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork, hotpot: None
) -> None:
    late = text_event("A+1", user_id=member_id(1), ts=at(2, 9, 0, 1))
    others = [say(webhook, "A改3", 2, at(2, 9, 0, 2)), say(webhook, "A+1", 2, at(2, 9, 0, 4))]
    mine = say(webhook, "A改3", 1, at(2, 9, 0, 3))
    assert webhook.post(body(late)).status_code == 200
    reply = last_reply(messenger)
    assert reply.quote_token == late["message"]["quoteToken"] and "A 高麗菜豬肉水餃 ×3" in reply.text
    assert book(uow) == {(member_id(1), "A", "confirmed"): 3, (member_id(2), "A", "confirmed"): 4}
    reverted = uow.session.exec(select(OrderChange.source_message_id).where(col(OrderChange.reverted).is_(True))).all()
    uow.rollback()
    assert reverted == [mine["message"]["id"]]  # replayed; the other member's comments were left alone
    assert not {e["message"]["id"] for e in others} & set(reverted)


@pytest.mark.parametrize("change", ["unsend", "edit"])
def test_undoing_a_comment_replays_the_members_later_ones(
    webhook: Webhook, uow: UnitOfWork, hotpot: None, change: str
) -> None:
    first = say(webhook, "A+2", 1, at(2, 9))
    say(webhook, "A改3", 1, at(2, 9, 1))  # means 3, whatever came before
    message = first["message"]["id"]
    if change == "unsend":
        webhook.post(body(unsend_event(message, user_id=member_id(1))))
        assert book(uow) == {(member_id(1), "A", "confirmed"): 3}
    else:
        webhook.post(body(edited_event(message, "B+1", user_id=member_id(1), ts=at(2, 9, 2))))
        assert book(uow) == {(member_id(1), "A", "confirmed"): 3, (member_id(1), "B", "confirmed"): 1}


def test_an_unsent_comment_is_not_replayed(webhook: Webhook, uow: UnitOfWork, hotpot: None) -> None:
    late = text_event("A+2", user_id=member_id(1), ts=at(2, 9))
    later = say(webhook, "A-1", 1, at(2, 9, 1))  # nothing to take off yet
    webhook.post(body(unsend_event(later["message"]["id"], user_id=member_id(1))))
    assert webhook.post(body(late)).status_code == 200
    assert book(uow) == {(member_id(1), "A", "confirmed"): 2}


def test_reading_a_message_again_replaces_what_it_asked(uow: UnitOfWork, hotpot: None) -> None:
    campaign = uow.session.get(Campaign, 1)
    member = directory.ensure_member(uow, member_id(1))
    assert campaign is not None
    sent = datetime(2026, 12, 2, 1, tzinfo=UTC)
    for intent in (Intent("remove", "A", 1), Intent("add", "A", 2)):  # the first changed nothing: nothing to undo
        order_book.apply_intents(uow, campaign=campaign, member=member, intents=[intent], message_id="m1", sent_at=sent)
    request = order_requests.find(uow, "m1")
    assert request is not None and order_requests.intents_of(request) == [Intent("add", "A", 2)]
    uow.rollback()


_groups = itertools.count(0x100)
NEARLY_SOLD_OUT = HOTPOT.replace("限量30盒", "限量3盒")
MEMBER_COMMENTS = ["A+1", "A+2", "A改3", "A-1", "取消", "B+1", "C+2", "C-1"]


def campaign_book(webhook: Webhook, uow: UnitOfWork, comments: list[str], order: list[int]) -> dict[Any, int]:
    """Open a campaign in a new group, deliver one member's comments (sent in turn) in ``order``; return its book."""
    group = f"C{next(_groups):032x}"
    say(webhook, NEARLY_SOLD_OUT, HOST_ID, at(1, 10), group_id=group)
    events = [text_event(text, user_id=member_id(1), group_id=group, ts=at(2, 9, 0, n)) for n, text in enumerate(comments)]
    for n in order:
        assert webhook.post(body(events[n])).status_code == 200
    campaign = uow.session.exec(select(Campaign.id).join(Group).where(Group.line_group_id == group)).one()
    rows = order_rows(uow, campaign_id=campaign, include_cancelled=True)
    uow.rollback()
    return {(r["item_code"], r["status"]): r["qty"] for r in rows}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(comments=st.lists(st.sampled_from(MEMBER_COMMENTS), min_size=1, max_size=6), data=st.data())
def test_any_delivery_order_gives_the_send_order_book(
    webhook: Webhook, uow: UnitOfWork, comments: list[str], data: st.DataObject
) -> None:
    delivered = data.draw(st.permutations(range(len(comments))))
    assert campaign_book(webhook, uow, comments, delivered) == campaign_book(webhook, uow, comments, list(range(len(comments))))


def test_host_close_and_stats_and_roster(
    webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork, hotpot: None
) -> None:
    messenger.names[member_id(1)] = "小美"
    say(webhook, "A+2 C+1", 1, at(2, 9))
    say(webhook, "B+1", 2, at(2, 9, 1))
    say(webhook, "/統計", HOST_ID, at(2, 10))
    stats = last_reply(messenger).text
    assert "A 高麗菜豬肉水餃：2（$360）" in stats and "C 手工蛋捲：1，剩 29（$250）" in stats
    assert "共 2 人下單，總金額 $810" in stats
    say(webhook, "/名單", HOST_ID, at(2, 10, 1))
    roster = last_reply(messenger).text
    assert "1. 小美：A 高麗菜豬肉水餃 ×2、C 手工蛋捲 ×1｜$610" in roster
    say(webhook, "/截單", HOST_ID, at(2, 11))
    assert "已截單" in last_reply(messenger).text
    say(webhook, "A+1", 3, at(2, 11, 0, 1))
    assert "截單" in last_reply(messenger).text
    assert (member_id(3), "A", "confirmed") not in book(uow)


def test_my_orders_sums_what_is_due(webhook: Webhook, messenger: FakeMessenger, hotpot: None) -> None:
    say(webhook, "A+2 B+1", 1, at(2, 9))
    say(webhook, "我的訂單", 1, at(2, 9, 1))
    text = last_reply(messenger).text
    assert "第1團【冬季火鍋團】" in text and "合計應付 $560" in text


def test_comment_goes_to_the_campaign_whose_items_it_names(
    webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork, hotpot: None
) -> None:
    say(webhook, VEGGIES, HOST_ID, at(1, 11))
    assert "第2團" in last_reply(messenger).text
    say(webhook, "菠菜+2", 1, at(1, 11, 5))
    rows = order_rows(uow)
    uow.rollback()
    assert [(r["campaign_id"], r["item_name"], r["qty"]) for r in rows] == [(2, "有機菠菜", 2)]
    say(webhook, "+1", 2, at(1, 11, 6))  # fits both campaigns: ask which one
    question = last_reply(messenger)
    assert "哪一團" in question.text and len(question.quick_replies) == 2


def test_cancelled_campaign_and_reply_modes(webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork, hotpot: None) -> None:
    say(webhook, "/設定 回覆 安靜", HOST_ID, at(2, 8))
    replies = len(messenger.replies)
    say(webhook, "A+1", 1, at(2, 9))
    assert len(messenger.replies) == replies  # silent mode
    say(webhook, "/撤團 1", HOST_ID, at(2, 10))
    assert "已撤團" in last_reply(messenger).text
    assert order_rows(uow) == []
    assert order_rows(uow, include_cancelled=True)[0]["status"] == "cancelled"


def test_export_orders_cli_in_three_formats(
    webhook: Webhook, uow: UnitOfWork, hotpot: None, database_url: str, tmp_path, monkeypatch  # type: ignore[no-untyped-def]
) -> None:
    say(webhook, "A+2 C+1", 1, at(2, 9))
    say(webhook, "C+30", 2, at(2, 9, 1))  # 29 confirmed, 1 waitlisted
    say(webhook, "B+1", 3, at(2, 9, 2))
    say(webhook, "取消", 3, at(2, 9, 3))
    monkeypatch.setenv("DATABASE_URL", database_url)
    runner = CliRunner()
    result = runner.invoke(cli, ["export", "orders", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {(r["user_id"], r["item_code"], r["status"], r["qty"], r["amount"]) for r in rows} == {
        (member_id(1), "A", "confirmed", 2, 360), (member_id(1), "C", "confirmed", 1, 250),
        (member_id(2), "C", "confirmed", 29, 7250), (member_id(2), "C", "waitlisted", 1, 0),
    }
    result = runner.invoke(cli, ["export", "orders", "--format", "csv", "--all"])
    parsed = list(csv.DictReader(io.StringIO(result.output.lstrip("\ufeff"))))
    assert {(r["user_id"], r["status"]) for r in parsed} >= {(member_id(3), "cancelled")}
    out = tmp_path / "orders.xlsx"
    result = runner.invoke(cli, ["export", "orders", "--format", "xlsx", "--output", str(out)])
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    sheet = wb["第1團 冬季火鍋團"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["成員", "A 高麗菜豬肉水餃", "B 韭菜水餃", "C 手工蛋捲", "金額", "候補"]
    assert values[-1][0] == "合計" and values[-1][3] == 30 and values[-1][4] == 360 + 250 + 7250


def test_first_order_invites_a_non_friend_to_the_survey_once(
    webhook: Webhook, messenger: FakeMessenger, hotpot: None
) -> None:
    say(webhook, "A+1", 1, at(2, 9))
    assert "回答 3 個小問題" in last_reply(messenger).text
    say(webhook, "B+1", 1, at(2, 9, 1))
    assert "回答 3 個小問題" not in last_reply(messenger).text


def test_batch_mode_confirms_several_members_in_one_reply(
    app: Flask, webhook: Webhook, messenger: FakeMessenger, hotpot: None
) -> None:
    say(webhook, "/設定 回覆 彙整", HOST_ID, at(2, 8))
    replies = len(messenger.replies)
    raw = body(*[text_event(f"A+{n}", user_id=member_id(n), ts=at(2, 9, 0, n)) for n in range(1, 4)])
    assert webhook.post(raw).status_code == 200  # three comments in one delivery
    assert len(messenger.replies) == replies + 1
    (summary,) = messenger.replies[-1][1]
    assert isinstance(summary, Text)
    assert set(summary.mentions.values()) == {member_id(1), member_id(2), member_id(3)}
    assert "A 高麗菜豬肉水餃 ×3" in summary.text and "$540" in summary.text


def test_export_link_serves_the_shipping_list_and_refuses_tampering(
    app: Flask, client, webhook: Webhook, messenger: FakeMessenger, hotpot: None  # type: ignore[no-untyped-def]
) -> None:
    import dataclasses
    import re

    from services.download_links import orders_link

    say(webhook, "/匯出", HOST_ID, at(2, 10))
    assert "groupbuy export orders --campaign 1" in last_reply(messenger).text  # no public URL configured
    say(webhook, "A+2", 1, at(2, 9))
    rt = app.extensions["groupbuy"]
    rt.settings = dataclasses.replace(rt.settings, public_url="https://bot.example.tw")
    rt.processor.settings = rt.settings
    say(webhook, "/匯出", HOST_ID, at(2, 10, 1))
    link = re.search(r"https://bot\.example\.tw(\S+)", last_reply(messenger).text)
    assert link is not None
    resp = client.get(link.group(1))
    assert resp.status_code == 200 and resp.data[:2] == b"PK"
    sheet = load_workbook(io.BytesIO(resp.data))["第1團 冬季火鍋團"]
    member_row = [c.value for c in sheet[2]]
    assert member_row[0] == member_id(1) and member_row[1] == 2 and member_row[4] == 360
    assert client.get(link.group(1).replace("campaign=1", "campaign=2")).status_code == 403
    expired = orders_link("", rt.settings.channel_secret, 1, now=0)
    assert client.get(expired).status_code == 410
