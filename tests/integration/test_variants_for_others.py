"""Variants, 代訂 (ordering for someone else) and 「同上」/quoted 「+1」, through signed webhooks, on the export."""

from __future__ import annotations

from typing import Any

import pytest

from infra.db import UnitOfWork
from infra.messages import Text
from services.order_export import order_rows
from tests.conftest import Webhook
from tests.factories.campaigns import at
from tests.factories.webhook import HOST_ID, member_id
from tests.fakes import FakeMessenger
from tests.integration.test_orders import last_reply, say

POST = """/開團
【水餃湯品團】
A. 高麗菜水餃 原味/辣味 $200/包 2包$380 辣味限量3
B. 玉米濃湯 $100/包 每人限購2
12/20 20:00 截單"""
NUMBERED = """/開團
【零食團】
1. 洋芋片 $50
2. 蝦味先 $40
3. 乖乖 $30
4. 可樂果 $35
12/20 20:00 截單"""


def rows(uow: UnitOfWork) -> list[dict[str, Any]]:
    out = order_rows(uow)
    uow.rollback()
    return out


def confirmed(uow: UnitOfWork) -> dict[tuple[str, str, str | None, str | None], tuple[int, int]]:
    """Return {(user, item, variant, guest): (qty, amount)} of confirmed rows."""
    return {(r["user_id"], r["item_code"], r["variant"], r["for_name"]): (r["qty"], r["amount"])
            for r in rows(uow) if r["status"] == "confirmed"}


@pytest.fixture
def opened(webhook: Webhook, messenger: FakeMessenger) -> None:
    messenger.names.update({member_id(1): "阿明", member_id(2): "小華", member_id(3): "陳媽媽"})
    for n in (1, 2, 3, 4):  # everyone has said something in the group, so the bot knows their names
        say(webhook, "大家早安", n, at(1, 9, n))
    say(webhook, POST, HOST_ID, at(1, 10))


def test_the_post_lists_each_item_with_its_variants(webhook: Webhook, messenger: FakeMessenger, opened: None) -> None:
    text = last_reply(messenger).text
    assert "A. 高麗菜水餃 $200/包／2包$380（可選 原味/辣味(限量3)）" in text
    assert "A原味+2" in text  # the example to copy names a variant


def test_a_missing_variant_is_asked_with_a_button_per_variant(webhook: Webhook, messenger: FakeMessenger,
                                                              uow: UnitOfWork, opened: None) -> None:
    say(webhook, "A+2 B+1", 1, at(1, 11))
    ask = last_reply(messenger)
    assert "原味、辣味" in ask.text
    assert [(q.label, q.text) for q in ask.quick_replies] == [("原味", "A原味+2 B+1"), ("辣味", "A辣味+2 B+1")]
    assert rows(uow) == []  # nothing is recorded until the member says which
    say(webhook, ask.quick_replies[1].text, 1, at(1, 11, 1))
    assert "A 高麗菜水餃（辣味） ×2" in last_reply(messenger).text
    assert confirmed(uow) == {(member_id(1), "A", "辣味", None): (2, 380), (member_id(1), "B", None, None): (1, 100)}


def test_variants_share_bundles_and_keep_their_own_stock(webhook: Webhook, messenger: FakeMessenger,
                                                         uow: UnitOfWork, opened: None) -> None:
    say(webhook, "A 原味1 辣味1", 1, at(1, 11))
    assert "小計 $380" in last_reply(messenger).text  # one 2包 bundle across the two flavours
    say(webhook, "A辣味+3", 2, at(1, 11, 1))  # two of the three 辣味 are left
    text = last_reply(messenger).text
    assert "A 高麗菜水餃（辣味） ×2，另 1 候補第1位" in text
    say(webhook, "A原味+5", 3, at(1, 11, 2))  # 原味 has no limit of its own
    book = confirmed(uow)
    assert book[(member_id(1), "A", "原味", None)][0] == 1 and book[(member_id(1), "A", "辣味", None)][0] == 1
    assert sum(book[(member_id(1), "A", v, None)][1] for v in ("原味", "辣味")) == 380
    assert book[(member_id(2), "A", "辣味", None)] == (2, 380)
    assert book[(member_id(3), "A", "原味", None)] == (5, 380 * 2 + 200)
    say(webhook, "/統計", HOST_ID, at(1, 12))
    stats = last_reply(messenger).text
    assert "・原味：6" in stats and "・辣味：3，剩 0，候補 1" in stats
    say(webhook, "取消A辣味", 1, at(1, 12, 1))  # a 辣味 frees up: the waitlisted one gets it
    assert confirmed(uow)[(member_id(2), "A", "辣味", None)] == (3, 580)


def test_ordering_for_a_group_member_bills_them_and_names_who_ordered(
    webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork, opened: None,
) -> None:
    say(webhook, "幫小華 B+1", 1, at(1, 11))
    reply = last_reply(messenger).text
    assert "B 玉米濃湯 ×1（幫小華訂，由小華付款）" in reply and "小計 $0" in reply
    row = next(r for r in rows(uow) if r["item_code"] == "B")
    assert (row["user_id"], row["ordered_by"], row["for_name"], row["amount"]) == (member_id(2), "阿明", None, 100)
    say(webhook, "我的訂單", 2, at(1, 11, 1))
    assert "B 玉米濃湯 ×1（阿明幫訂）" in last_reply(messenger).text
    say(webhook, "B+2", 2, at(1, 11, 2))  # 每人限購2 counts what others ordered for her
    assert confirmed(uow)[(member_id(2), "B", None, None)][0] == 2
    say(webhook, "/名單", HOST_ID, at(1, 12))
    assert "小華：B 玉米濃湯 ×2（每人限購2）（阿明幫訂）｜$200" in last_reply(messenger).text


def test_ordering_for_someone_not_in_the_group_keeps_it_under_the_orderer(
    webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork, opened: None,
) -> None:
    say(webhook, "B+1", 1, at(1, 11))
    say(webhook, "代訂 王奶奶 B+2", 1, at(1, 11, 1))
    reply = last_reply(messenger).text
    assert "B 玉米濃湯 ×2（每人限購2）（幫王奶奶訂）" in reply and "小計 $300" in reply  # she pays for both
    assert confirmed(uow) == {(member_id(1), "B", None, None): (1, 100), (member_id(1), "B", None, "王奶奶"): (2, 200)}
    say(webhook, "B改2", 1, at(1, 11, 2))  # her own B; the guest's stays
    assert confirmed(uow)[(member_id(1), "B", None, None)] == (2, 200)
    assert confirmed(uow)[(member_id(1), "B", None, "王奶奶")] == (2, 200)
    say(webhook, "取消", 1, at(1, 11, 3))  # a bare 取消 takes back everything she placed
    assert confirmed(uow) == {}


def test_same_as_above_copies_the_previous_order_and_says_whose(
    webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork, opened: None,
) -> None:
    say(webhook, "A原味+2 B+1 不要辣", 1, at(1, 11))
    say(webhook, "同上", 2, at(1, 11, 1))
    reply = last_reply(messenger).text
    assert "（跟 阿明 的單）" in reply and "A 高麗菜水餃（原味） ×2" in reply
    book = confirmed(uow)
    assert book[(member_id(2), "A", "原味", None)] == (2, 380) and book[(member_id(2), "B", None, None)] == (1, 100)
    assert all(r["note"] is None for r in rows(uow) if r["user_id"] == member_id(2))  # her notes stay hers


def test_quoting_an_order_with_plus_one_orders_the_same(
    webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork, opened: None,
) -> None:
    say(webhook, "A辣味+1 B+2", 1, at(1, 11), message_id="m-first")
    say(webhook, "B+1", 2, at(1, 11, 1))
    say(webhook, "+1", 3, at(1, 11, 2), quoted_message_id="m-first")  # quotes 阿明, not the comment just before
    assert "（跟 阿明 的單）" in last_reply(messenger).text
    book = confirmed(uow)
    assert book[(member_id(3), "A", "辣味", None)][0] == 1 and book[(member_id(3), "B", None, None)][0] == 2
    say(webhook, "+1", 4, at(1, 11, 3), quoted_message_id="not-an-order")  # quoting chit-chat: a plain +1
    assert "請問要哪一項" in last_reply(messenger).text


def test_same_with_nothing_to_copy_says_how_to_order(webhook: Webhook, messenger: FakeMessenger,
                                                     uow: UnitOfWork, opened: None) -> None:
    say(webhook, "同上", 2, at(1, 11))
    assert "找不到可以跟的訂單" in last_reply(messenger).text
    assert rows(uow) == []


def test_plus_three_four_on_a_numbered_post_asks_which_reading(webhook: Webhook, messenger: FakeMessenger,
                                                               uow: UnitOfWork) -> None:
    say(webhook, NUMBERED, HOST_ID, at(1, 10))
    say(webhook, "+3 4", 1, at(1, 11))
    ask = last_reply(messenger)
    assert isinstance(ask, Text) and len(ask.quick_replies) == 2
    assert {q.label for q in ask.quick_replies} == {"乖乖 ×4", "可樂果 ×3"}
    say(webhook, next(q.text for q in ask.quick_replies if q.label == "乖乖 ×4"), 1, at(1, 11, 1))
    assert confirmed(uow) == {(member_id(1), "3", None, None): (4, 120)}


def test_a_late_redelivery_keeps_what_was_ordered_for_others(webhook: Webhook, messenger: FakeMessenger,
                                                             uow: UnitOfWork, opened: None) -> None:
    say(webhook, "幫小華 B+1", 1, at(1, 11, 5))
    say(webhook, "B+2", 1, at(1, 11))  # sent earlier, delivered later
    say(webhook, "幫王奶奶 B改1", 1, at(1, 11, 6))
    book = confirmed(uow)
    assert book == {(member_id(2), "B", None, None): (1, 100), (member_id(1), "B", None, None): (2, 200),
                    (member_id(1), "B", None, "王奶奶"): (1, 100)}
