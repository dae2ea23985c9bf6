"""Bundle prices, per-member caps, minimums, notes and unreadable posts, through signed webhooks, asserted on the export."""

from __future__ import annotations

import pytest
from flask import Flask

from infra.db import UnitOfWork
from models import OrderRequest
from models.base import utcnow
from parsers.comment import Intent
from services import order_requests
from services.order_export import order_rows
from tests.conftest import Webhook
from tests.factories.campaigns import at
from tests.factories.webhook import HOST_ID, member_id
from tests.fakes import FakeMessenger
from tests.integration.test_orders import last_reply, say

POST = """/開團
【湯圓水餃團】
A. 韭菜水餃 220元／2包420元 每人限購3
B. 芝麻湯圓 $100/包 滿10包成團
12/20 20:00 截單"""


def amounts(uow: UnitOfWork) -> dict[tuple[str, str], tuple[int, int]]:
    rows = order_rows(uow)
    uow.rollback()
    return {(r["user_id"], r["item_code"]): (r["qty"], r["amount"]) for r in rows if r["status"] == "confirmed"}


def test_the_open_reply_shows_bundles_caps_and_minimums(webhook: Webhook, messenger: FakeMessenger) -> None:
    say(webhook, POST, HOST_ID, at(1, 10))
    text = last_reply(messenger).text
    assert "A. 韭菜水餃 $220/包／2包$420（每人限購3）" in text
    assert "B. 芝麻湯圓 $100/包（滿10包成團）" in text


def test_the_amount_due_is_the_cheapest_mix_of_bundles(webhook: Webhook, messenger: FakeMessenger,
                                                       uow: UnitOfWork) -> None:
    say(webhook, POST, HOST_ID, at(1, 10))
    say(webhook, "A+3", 1, at(1, 11))
    assert "小計 $640" in last_reply(messenger).text  # 420 for two + 220
    say(webhook, "A+2", 2, at(1, 11, 1))
    assert "小計 $420" in last_reply(messenger).text
    assert amounts(uow) == {(member_id(1), "A"): (3, 640), (member_id(2), "A"): (2, 420)}
    say(webhook, "/統計", HOST_ID, at(1, 12))
    assert "A 韭菜水餃：5（$1,060）" in last_reply(messenger).text  # bundles priced per member, not on the total


def test_a_member_never_gets_more_than_the_cap(webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork) -> None:
    say(webhook, POST, HOST_ID, at(1, 10))
    say(webhook, "A+2", 1, at(1, 11))
    say(webhook, "A+2", 1, at(1, 11, 1))
    text = last_reply(messenger).text
    assert "A 韭菜水餃 ×3（每人限購3）" in text
    say(webhook, "A改5", 1, at(1, 11, 2))
    assert amounts(uow) == {(member_id(1), "A"): (3, 640)}


def test_below_the_minimum_the_host_is_asked_at_the_cutoff(webhook: Webhook, messenger: FakeMessenger) -> None:
    say(webhook, POST, HOST_ID, at(1, 10))
    say(webhook, "B+4", 1, at(1, 11))
    say(webhook, "/截單", HOST_ID, at(1, 12))
    reply = last_reply(messenger)
    assert "B 芝麻湯圓 未達成團數量 10（目前 4）" in reply.text and "/撤團 1" in reply.text
    assert [q.text for q in reply.quick_replies] == ["/叫貨 1", "/撤團 1"]  # go ahead (order) or cancel
    say(webhook, "/撤團 1", HOST_ID, at(1, 12, 1))
    assert "訂單全部取消" in last_reply(messenger).text
    say(webhook, "/統計 1", HOST_ID, at(1, 12, 2))
    assert last_reply(messenger).quick_replies == ()  # a cancelled campaign is not asked again


def test_a_post_with_an_item_without_price_is_not_opened(webhook: Webhook, messenger: FakeMessenger,
                                                        app: Flask, uow: UnitOfWork) -> None:
    say(webhook, "/開團\n【海鮮團】\nA. 白蝦 $350/盒\nB. 透抽\n12/20 20:00 截單", HOST_ID, at(1, 10))
    text = last_reply(messenger).text
    assert text.startswith("開團失敗") and "B. 透抽" in text and "價格" in text
    say(webhook, "A+1", 1, at(1, 11))
    assert order_rows(uow) == []


def test_a_note_beside_an_order_is_kept_on_the_line(webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork) -> None:
    say(webhook, POST, HOST_ID, at(1, 10))
    say(webhook, "A+1 不要辣", 1, at(1, 11))
    assert "A 韭菜水餃 ×1（備註：不要辣）" in last_reply(messenger).text
    say(webhook, "B+2 備註：晚點取", 1, at(1, 11, 1))
    rows = {r["item_code"]: r["note"] for r in order_rows(uow)}
    uow.rollback()
    assert rows == {"A": "不要辣", "B": "晚點取"}


@pytest.mark.parametrize(
    "intents",
    [
        [Intent("add", "A", 1)],
        [Intent("add", "A", 1, note="不要辣"), Intent("cancel", None, None)],
        [Intent("set", "B", 3, variant="辣味", for_name="小明", note="晚點取")],
    ],
)
def test_intents_read_back_as_written_so_a_replay_keeps_notes(intents: list[Intent]) -> None:
    request = OrderRequest(message_id="m1", campaign_id=1, member_id=1, sent_at=utcnow(),
                           intents=order_requests.encode(intents))
    assert order_requests.intents_of(request) == intents


def test_requests_written_before_notes_existed_still_read() -> None:
    request = OrderRequest(message_id="m1", campaign_id=1, member_id=1, sent_at=utcnow(), intents='[["add","A",2]]')
    assert order_requests.intents_of(request) == [Intent("add", "A", 2)]
