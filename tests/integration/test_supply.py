"""/叫貨 (supplier order) and /缺貨 (shortages) through signed webhooks: a closed campaign with variants, the
last confirmed orders cut, credit for a member who had paid, mention replies LINE accepts, members refused, the
order export (json and the XLSX 叫貨單 sheet)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from click.testing import CliRunner
from linebot.v3.messaging import ReplyMessageRequest
from openpyxl import load_workbook
from sqlmodel import select

from bot.cli import cli
from bot.fakeline.validation import RequestValidator
from infra.db import UnitOfWork
from infra.messages import Text
from infra.messenger import to_sdk
from models import CreditEntry, Item, Member, OrderChange
from services.order_export import export_orders, order_rows
from tests.conftest import Webhook
from tests.factories.campaigns import at
from tests.factories.statements import with_balances, write_statement
from tests.factories.webhook import HOST_ID, body, edited_event, member_id, text_event, unsend_event
from tests.fakes import FakeMessenger
from tests.integration.test_payments import row, say, send_file

POST = """/開團
【水餃蛋捲團】
A. 高麗菜水餃 原味/辣味 $200/包 辣味限量5
B. 韭菜水餃 $180/包
C. 手工蛋捲 $250/盒 限量6盒
12/20 20:00 截單"""
MEI, MING, HUA, CHEN = member_id(1), member_id(2), member_id(3), member_id(4)


def replies(messenger: FakeMessenger) -> list[Text]:
    """Return the messages of the last reply."""
    out = messenger.replies[-1][1]
    assert all(isinstance(m, Text) for m in out)
    return out  # type: ignore[return-value]


def assert_line_accepts(messages: list[Text]) -> None:
    """Check a reply against LINE's request schema and limits (SDK model, limits, OpenAPI)."""
    raw = ReplyMessageRequest(reply_token="x" * 32, messages=[to_sdk(m) for m in messages]).to_json()
    result = RequestValidator().validate("/v2/bot/message/reply", raw)
    assert result.ok, result.details


def confirmed_rows(uow: UnitOfWork) -> dict[tuple[str, str, str | None, str], int]:
    """Return {(user, item, variant, status): qty} from the order export."""
    found = {(r["user_id"], r["item_code"], r["variant"], r["status"]): r["qty"] for r in order_rows(uow)}
    uow.rollback()
    return found


def credit_of(uow: UnitOfWork, user: str) -> list[tuple[str, int, int | None]]:
    """Return a member's credit entries as (cause, amount, campaign)."""
    uow.session.expire_all()
    member = uow.session.exec(select(Member).where(Member.line_user_id == user)).one()
    rows = uow.session.exec(select(CreditEntry).where(CreditEntry.member_id == member.id)
                            .order_by(CreditEntry.seq)).all()  # type: ignore[arg-type]
    found = [(r.cause, r.amount, r.campaign_id) for r in rows]
    uow.rollback()
    return found


def item(uow: UnitOfWork, code: str) -> tuple[int, int | None, str]:
    """Return an item's (shortage, stock limit, variant limits)."""
    uow.session.expire_all()
    found = uow.session.exec(select(Item).where(Item.code == code)).one()
    values = found.shortage, found.stock_limit, found.variant_limits
    uow.rollback()
    return values


def changes(uow: UnitOfWork) -> int:
    """Return how many shortage changes the book holds."""
    uow.session.expire_all()
    n = len(uow.session.exec(select(OrderChange).where(OrderChange.action == "shortage")).all())
    uow.rollback()
    return n


@pytest.fixture
def ordered(webhook: Webhook, messenger: FakeMessenger) -> None:
    """Open the campaign; four members order (C and 辣味 run out: the last wait); 小美 pays $1,350 in full."""
    messenger.names.update({MEI: "小美", MING: "阿明", HUA: "小華", CHEN: "陳媽媽"})
    say(webhook, POST, HOST_ID, at(1, 10))
    say(webhook, "C+3", 1, at(2, 9))
    say(webhook, "C+2", 2, at(2, 10))
    say(webhook, "C+2", 3, at(2, 11))  # 1 confirmed, 1 waits
    say(webhook, "C+1", 4, at(2, 12))  # waits
    say(webhook, "A辣味+3", 1, at(2, 13))
    say(webhook, "A原味+2 B+1", 2, at(2, 14))
    say(webhook, "A辣味+4", 3, at(2, 15))  # 2 confirmed, 2 wait
    say(webhook, "已匯款 後五碼12345 1350元", 1, at(2, 16))
    send_file(webhook, messenger, write_statement(bank="post", rows=with_balances([row(1350, "12345", 1)])), "a.csv")
    assert "✅ 已付清（1 人）" in replies(messenger)[-1].text
    say(webhook, "/截單", HOST_ID, at(3, 9))


def test_supplier_order_lists_confirmed_totals_per_item_and_variant(webhook: Webhook, messenger: FakeMessenger,
                                                                     ordered: None, uow: UnitOfWork) -> None:
    say(webhook, "/叫貨", HOST_ID, at(3, 10))
    order, notes = replies(messenger)
    assert order.text == (
        "📦 叫貨單【水餃蛋捲團】\n"
        "A 高麗菜水餃（原味） 2 包\n"
        "A 高麗菜水餃（辣味） 5 包\n"
        "B 韭菜水餃 1 包\n"
        "C 手工蛋捲 6 盒\n"
        "共 4 項、14 件"
    )
    assert "小美" not in order.text and "$" not in order.text  # as a supplier reads it: no names, no prices
    assert "候補中的 4 份沒有列入" in notes.text and "還在收單" not in notes.text
    say(webhook, "/叫貨 1 含價", HOST_ID, at(3, 11))
    assert "A 高麗菜水餃（辣味） 5 包 × $200" in replies(messenger)[0].text
    assert "約 $3,080" in replies(messenger)[0].text


def test_supplier_order_of_an_open_campaign_says_it_may_change(webhook: Webhook, messenger: FakeMessenger,
                                                                uow: UnitOfWork) -> None:
    say(webhook, POST, HOST_ID, at(1, 10))
    say(webhook, "/叫貨", HOST_ID, at(1, 11))
    assert "目前沒有確認的訂單" in replies(messenger)[-1].text
    say(webhook, "B+2", 1, at(1, 12))
    say(webhook, "/叫貨", HOST_ID, at(1, 13))
    order, notes = replies(messenger)
    assert "B 韭菜水餃 2 包" in order.text and "還在收單" in notes.text and "/叫貨 1" in notes.text
    say(webhook, "/缺貨 B 1", HOST_ID, at(1, 14))
    assert "還在收單" in replies(messenger)[-1].text and "/截單 1" in replies(messenger)[-1].text
    assert changes(uow) == 0


def test_shortage_cuts_the_last_confirmed_orders_and_turns_paid_money_into_credit(
    webhook: Webhook, messenger: FakeMessenger, ordered: None, uow: UnitOfWork,
) -> None:
    event = text_event("/缺貨 C 4", user_id=HOST_ID, ts=at(4, 9))
    assert webhook.post(body(event)).status_code == 200
    [reply] = replies(messenger)
    assert reply.text.splitlines() == [
        "⚠️ 缺貨通知｜第1團【水餃蛋捲團】",
        "C 手工蛋捲 少到 4 盒，依留言順序從最後確認的訂單扣除：",
        "{m0} C 手工蛋捲 ×3 → ×2（扣 1 盒）｜應付 $1,100，已付的 $250 轉為購物金（下次自動折抵）",
        "{m1} C 手工蛋捲 ×2 → ×0（扣 2 盒）｜應付 $580",
        "{m2} C 手工蛋捲 ×1 → ×0（扣 1 盒）｜應付 $400；另 1 盒仍在候補",
        "應付金額已重新計算；輸入「我的訂單」「我的購物金」可以查詢。造成不便很抱歉 🙏",
    ]
    assert reply.mentions == {"m0": MEI, "m1": MING, "m2": HUA}
    assert_line_accepts([reply])
    book = confirmed_rows(uow)
    assert book[(MEI, "C", None, "confirmed")] == 2  # the export shows the cut quantity as the new qty
    assert (MING, "C", None, "confirmed") not in book and (HUA, "C", None, "confirmed") not in book
    assert book[(HUA, "C", None, "waitlisted")] == 1 and book[(CHEN, "C", None, "waitlisted")] == 1  # not promoted
    assert item(uow, "C")[:2] == (4, 2)
    assert credit_of(uow, MEI) == [("shortage", 250, 1)]

    # LINE redelivers the same body: nothing twice, no second reply.
    sent = len(messenger.replies)
    assert webhook.post(body(event)).status_code == 200
    assert len(messenger.replies) == sent and changes(uow) == 3 and credit_of(uow, MEI) == [("shortage", 250, 1)]
    # The same message in another event (an edit replayed, a copy): recognised, not applied twice.
    again = text_event("/缺貨 C 4", user_id=HOST_ID, ts=at(4, 9), message_id=event["message"]["id"])
    assert webhook.post(body(again)).status_code == 200
    assert "已經登記過了" in replies(messenger)[-1].text and changes(uow) == 3

    # A variant: the last confirmed 辣味 first (小華's 2, then one of 小美's); her paid money follows.
    say(webhook, "/缺貨 A辣味 3", HOST_ID, at(4, 10))
    [reply] = replies(messenger)
    lines = reply.text.splitlines()
    assert lines[1] == "A 高麗菜水餃（辣味） 少到 3 包，依留言順序從最後確認的訂單扣除："
    assert lines[2] == "{m0} A 高麗菜水餃（辣味） ×3 → ×2（扣 1 包）｜應付 $900，已付的 $200 轉為購物金（下次自動折抵）"
    assert lines[3] == "{m1} A 高麗菜水餃（辣味） ×2 → ×0（扣 2 包）｜應付 $0；另 2 包仍在候補"
    assert reply.mentions == {"m0": MEI, "m1": HUA}
    assert credit_of(uow, MEI) == [("shortage", 250, 1), ("shortage", 200, 1)]
    assert item(uow, "A") == (3, None, json.dumps({"辣味": 2}, ensure_ascii=False))
    book = confirmed_rows(uow)
    assert book[(MEI, "A", "辣味", "confirmed")] == 2 and book[(HUA, "A", "辣味", "waitlisted")] == 2

    # More than confirmed: everything confirmed is cut, and the reply says so; by name works too.
    say(webhook, "/缺貨 韭菜水餃 5包", HOST_ID, at(4, 11))
    text = replies(messenger)[-1].text
    assert "（確認的訂單只有 1 包，已全部扣除）" in text and "{m0} B 韭菜水餃 ×1 → ×0（扣 1 包）｜應付 $400" in text

    say(webhook, "/統計", HOST_ID, at(4, 11, 30))
    assert "C 手工蛋捲：2，剩 0，候補 2，缺貨已扣 4" in replies(messenger)[-1].text  # the host sees the cut there too

    say(webhook, "/叫貨", HOST_ID, at(4, 12))
    order, notes = replies(messenger)
    assert order.text.splitlines()[1:] == ["A 高麗菜水餃（原味） 2 包", "A 高麗菜水餃（辣味） 2 包", "C 手工蛋捲 2 盒",
                                           "共 3 項、6 件"]
    assert "已登記缺貨（已從訂單扣除）：A 高麗菜水餃（辣味） 3 包、B 韭菜水餃 1 包、C 手工蛋捲 4 盒" in notes.text

    data = export_orders(uow, "xlsx")
    uow.rollback()
    sheet = load_workbook(io.BytesIO(data))["叫貨單"]
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values[0] == ["團號", "代號", "品項", "口味/規格", "單位", "數量", "缺貨"]
    assert values[1:] == [
        [1, "A", "高麗菜水餃", "原味", "包", 2, 0],
        [1, "A", "高麗菜水餃", "辣味", "包", 2, 3],
        [1, "B", "韭菜水餃", None, "包", 0, 1],
        [1, "C", "手工蛋捲", None, "盒", 2, 4],
        [1, None, "合計", None, None, 6, 8],
    ]


def test_the_json_export_shows_the_cut_quantity(webhook: Webhook, messenger: FakeMessenger, ordered: None,
                                               database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    say(webhook, "/缺貨 1 C 2", HOST_ID, at(4, 9))  # 團號 first
    assert "{m1} C 手工蛋捲 ×1 → ×0（扣 1 盒）" in replies(messenger)[-1].text
    monkeypatch.setenv("DATABASE_URL", database_url)
    result = CliRunner().invoke(cli, ["export", "orders", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.output)
    c_rows = {(r["user_id"], r["status"]): (r["qty"], r["amount"]) for r in rows if r["item_code"] == "C"}
    assert c_rows == {(MEI, "confirmed"): (3, 750), (MING, "confirmed"): (1, 250), (HUA, "waitlisted"): (1, 0),
                      (CHEN, "waitlisted"): (1, 0)}


@pytest.mark.parametrize(("text", "answer"), [
    ("/缺貨", "請告訴我缺哪一項、缺幾份"),
    ("/缺貨 C", "最後要寫缺幾份"),
    ("/缺貨 C 很多", "看不懂「很多」"),
    ("/缺貨 C 0", "缺貨數量要在 1 到 9999 之間"),
    ("/缺貨 D 2", "第1團找不到「D」。這團有：A 高麗菜水餃、B 韭菜水餃、C 手工蛋捲。請用品項代號，例如「/缺貨 A原味 2」"),
    ("/缺貨 水餃 2", "可能是 A 高麗菜水餃、B 韭菜水餃"),
    ("/缺貨 9 C 2", "這個群組沒有第 9 團"),
])
def test_unknown_items_and_bad_numbers_get_an_example(webhook: Webhook, messenger: FakeMessenger, ordered: None,
                                                      uow: UnitOfWork, text: str, answer: str) -> None:
    say(webhook, text, HOST_ID, at(4, 9))
    reply = replies(messenger)[-1].text
    assert answer in reply
    assert changes(uow) == 0


def test_members_are_refused_and_nothing_changes(webhook: Webhook, messenger: FakeMessenger, ordered: None,
                                                 uow: UnitOfWork) -> None:
    before = confirmed_rows(uow)
    for n, text in enumerate(("/叫貨", "/缺貨 C 5", "/缺貨 1 A辣味 2")):
        say(webhook, text, 2, at(4, 9, n))
        assert "只有團主可以使用" in replies(messenger)[-1].text
    assert confirmed_rows(uow) == before and changes(uow) == 0 and item(uow, "C")[:2] == (0, 6)
    assert credit_of(uow, MEI) == []


def test_a_shortage_reply_for_many_members_keeps_to_lines_limits(webhook: Webhook, messenger: FakeMessenger,
                                                                 uow: UnitOfWork) -> None:
    say(webhook, POST.replace("限量6盒", ""), HOST_ID, at(1, 10))
    for n in range(1, 131):
        say(webhook, "C+1", 100 + n, at(2, 9, n // 60, n % 60))
    say(webhook, "/截單", HOST_ID, at(3, 9))
    say(webhook, "/缺貨 C 130", HOST_ID, at(3, 10))
    messages = replies(messenger)
    assert len(messages) == 2 and all(len(m.mentions) <= 100 for m in messages)
    assert sum(len(m.mentions) for m in messages) == 130
    assert messages[0].text.startswith("⚠️ 缺貨通知") and messages[-1].text.endswith("造成不便很抱歉 🙏")
    assert_line_accepts(messages)
    assert changes(uow) == 130


def test_the_host_unsending_a_shortage_gives_the_orders_back(webhook: Webhook, messenger: FakeMessenger,
                                                             ordered: None, uow: UnitOfWork) -> None:
    before = confirmed_rows(uow)
    event = text_event("/缺貨 C 4", user_id=HOST_ID, ts=at(4, 9))
    assert webhook.post(body(event)).status_code == 200
    assert credit_of(uow, MEI) == [("shortage", 250, 1)]
    say(webhook, "/設定 推播 開", HOST_ID, at(4, 9, 30))
    assert webhook.post(body(unsend_event(event["message"]["id"], user_id=HOST_ID))).status_code == 200
    assert confirmed_rows(uow) == before and item(uow, "C")[:2] == (0, 6)
    assert credit_of(uow, MEI) == [("shortage", 250, 1), ("applied", -250, 1)]  # the credit pays the due again
    [(to, [notice], key)] = messenger.pushes
    assert isinstance(notice, Text) and "團主收回了缺貨登記：第1團【水餃蛋捲團】C 手工蛋捲 4 盒" in notice.text
    assert key is not None
    say(webhook, "/叫貨", HOST_ID, at(4, 10))
    assert "C 手工蛋捲 6 盒" in replies(messenger)[0].text and "已登記缺貨" not in replies(messenger)[1].text


def test_help_lists_the_commands_for_hosts_only(webhook: Webhook, messenger: FakeMessenger) -> None:
    say(webhook, "/說明", HOST_ID, at(1, 9))
    text = replies(messenger)[-1].text
    assert "/叫貨 [團號] [含價]：叫貨單" in text and "/缺貨 [團號] 品項 數量：廠商少到貨" in text
    say(webhook, "/說明", 1, at(1, 9, 1))
    assert "/叫貨" not in replies(messenger)[-1].text


def test_the_host_editing_a_shortage_applies_the_new_count(webhook: Webhook, messenger: FakeMessenger,
                                                           ordered: None, uow: UnitOfWork) -> None:
    event = text_event("/缺貨 C 4", user_id=HOST_ID, ts=at(4, 9))
    assert webhook.post(body(event)).status_code == 200
    edit = edited_event(event["message"]["id"], "/缺貨 C 2", user_id=HOST_ID, ts=at(4, 9, 30))
    assert webhook.post(body(edit)).status_code == 200
    [reply] = replies(messenger)
    assert "C 手工蛋捲 少到 2 盒" in reply.text and "沒有登記" not in reply.text
    assert reply.mentions == {"m0": MING, "m1": HUA}
    book = confirmed_rows(uow)
    assert (book[(MEI, "C", None, "confirmed")], book[(MING, "C", None, "confirmed")]) == (3, 1)
    assert item(uow, "C")[:2] == (2, 4) and changes(uow) == 5  # 3 withdrawn, 2 in force
    assert credit_of(uow, MEI) == [("shortage", 250, 1), ("applied", -250, 1)]
    # Edited into something else: the cuts are given back and the host is told.
    edit = edited_event(event["message"]["id"], "缺貨的部分明天再說", user_id=HOST_ID, ts=at(4, 10))
    assert webhook.post(body(edit)).status_code == 200
    assert "團主收回了缺貨登記" in replies(messenger)[-1].text
    assert item(uow, "C")[:2] == (0, 6) and confirmed_rows(uow)[(MING, "C", None, "confirmed")] == 2


def test_a_paid_member_cut_to_nothing_gets_everything_back_as_credit(webhook: Webhook, messenger: FakeMessenger,
                                                                     uow: UnitOfWork) -> None:
    messenger.names.update({MEI: "小美"})
    say(webhook, POST, HOST_ID, at(1, 10))
    say(webhook, "韭菜水餃兩包", 1, at(2, 9))
    say(webhook, "已匯款 後五碼12345 360元", 1, at(2, 10))
    send_file(webhook, messenger, write_statement(bank="post", rows=with_balances([row(360, "12345", 1)])), "a.csv")
    say(webhook, "/截單", HOST_ID, at(3, 9))
    say(webhook, "/缺貨 韭菜 2", HOST_ID, at(3, 10))
    reply = replies(messenger)[-1]
    assert "{m0} B 韭菜水餃 ×2 → ×0（扣 2 包）｜應付 $0，已付的 $360 轉為購物金（下次自動折抵）" in reply.text
    assert [(cause, amount) for cause, amount, _ in credit_of(uow, MEI)] == [("shortage", 360)]
    say(webhook, "我的購物金", 1, at(3, 11), group=False)
    assert "$360" in replies(messenger)[-1].text and "缺貨退款 +$360" in replies(messenger)[-1].text


def test_with_an_open_and_a_closed_campaign_the_number_picks_the_closed_one(
    webhook: Webhook, messenger: FakeMessenger, ordered: None, uow: UnitOfWork,
) -> None:
    say(webhook, POST.replace("水餃蛋捲團", "第二波"), HOST_ID, at(3, 12))
    say(webhook, "/缺貨 C 1", HOST_ID, at(3, 13))
    assert "第2團還在收單" in replies(messenger)[-1].text and "/缺貨 第3團 C 5" in replies(messenger)[-1].text
    say(webhook, "/缺貨 第1團 C 1", HOST_ID, at(3, 14))
    assert "第1團【水餃蛋捲團】" in replies(messenger)[-1].text and changes(uow) == 1
    say(webhook, "/叫貨 1", HOST_ID, at(3, 15))
    assert "C 手工蛋捲 5 盒" in replies(messenger)[0].text
