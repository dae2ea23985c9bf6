"""/黑名單 through signed webhooks: members with no-shows (rows inserted as the pickup job writes them) and blocked
members, 新增/移除 by mention, a blocked member's comment refused once and changing nothing, the host warned in
a flagged member's first confirmation, /名單 marks, /設定 棄單 N, members refused; and the members export."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from bot.cli.export_members import COLUMNS, member_rows, render
from infra.db import UnitOfWork
from infra.messages import Text
from models import Campaign, CampaignNotice, MemberBlock, NoShow
from services import directory
from services.order_export import order_rows
from tests.conftest import Webhook
from tests.factories.campaigns import HOTPOT, at
from tests.factories.orders import add_campaign, add_member
from tests.factories.webhook import GROUP_ID, HOST_ID, body, edited_event, member_id, text_event
from tests.fakes import FakeMessenger

NAMES = {1: "小美", 2: "阿明", 3: "小華", 4: "陳媽媽"}
FLAGGED, ONCE, BLOCKED, REGULAR = 1, 2, 3, 4
WARNING = "（團主提醒：這位成員有 2 次未取貨紀錄）"


def say(webhook: Webhook, text: str, who: int | str, ts: int, mentions: list[str] | None = None) -> dict[str, object]:
    """Post a comment or command from a member (int) or user id (str) in the group; return the event."""
    user = member_id(who) if isinstance(who, int) else who
    event = text_event(text, user_id=user, ts=ts, mentions=mentions)
    assert webhook.post(body(event)).status_code == 200
    return event


def last_text(messenger: FakeMessenger) -> str:
    message = messenger.replies[-1][1][-1]
    assert isinstance(message, Text)
    return message.text


def confirmed(uow: UnitOfWork) -> dict[tuple[str, str], int]:
    """Return {(user id, item): qty} of the live confirmed lines of the export."""
    rows = order_rows(uow)
    uow.rollback()
    return {(r["user_id"], r["item_code"]): r["qty"] for r in rows if r["status"] == "confirmed" and r["qty"]}


@pytest.fixture
def history(webhook: Webhook, messenger: FakeMessenger, uow: UnitOfWork) -> None:
    """Two past campaigns: 小美 left both behind, 阿明 one; then the hot-pot campaign opens."""
    messenger.names.update({member_id(n): name for n, name in NAMES.items()})
    members = {n: add_member(uow, n, name, meals_per_week=meals)
               for (n, name), meals in zip(NAMES.items(), ("3-4", "5+", "1", None), strict=True)}
    group = directory.find_group(uow, GROUP_ID)
    assert group is not None and group.id is not None
    for title, who in (("秋季水餃團", (FLAGGED, ONCE)), ("中秋月餅團", (FLAGGED,))):
        past = add_campaign(uow, title, delivery=date(2026, 10, 1)).campaign
        for n in who:
            uow.session.add(NoShow(member_id=members[n].id or 0, campaign_id=past.id or 0, group_id=group.id,
                                   qty=2, amount=360))
    uow.commit()
    say(webhook, HOTPOT, HOST_ID, at(1, 10))


def test_the_list_shows_flagged_and_blocked_members(webhook: Webhook, messenger: FakeMessenger,
                                                    history: None, uow: UnitOfWork) -> None:
    say(webhook, "/黑名單", HOST_ID, at(1, 11))
    text = last_text(messenger)
    assert text.startswith("🚫 黑名單（1 人；未取貨 2 次以上會列出）")
    assert "・⚠️ 小美：未取貨 2 次" in text and "阿明" not in text

    say(webhook, "/黑名單 新增 @小華 上次訂了都沒來拿", HOST_ID, at(1, 11, 1), mentions=[member_id(BLOCKED)])
    assert last_text(messenger) == "⛔ 已將 小華 加入黑名單：他在這個群組的喊單不會登記，會請他私訊團主。"
    say(webhook, "/黑名單 新增 @小華", HOST_ID, at(1, 11, 2), mentions=[member_id(BLOCKED)])
    assert last_text(messenger) == "小華 已經在黑名單上了。"
    say(webhook, "/黑名單", HOST_ID, at(1, 11, 3))
    text = last_text(messenger)
    assert "・⛔ 小華：已封鎖，喊單不登記（未取貨 0 次，原因：上次訂了都沒來拿）" in text
    assert text.index("小華") < text.index("小美")

    say(webhook, "/設定 棄單 1", HOST_ID, at(1, 11, 4))
    assert "棄單：未取貨 1 次以上列入 /黑名單" in last_text(messenger)
    say(webhook, "/黑名單", HOST_ID, at(1, 11, 5))
    assert "・⚠️ 阿明：未取貨 1 次" in last_text(messenger)
    say(webhook, "/設定 棄單 0", HOST_ID, at(1, 11, 6))
    assert "1 到 99" in last_text(messenger)
    say(webhook, "/設定 棄單 兩次", HOST_ID, at(1, 11, 7))
    assert last_text(messenger).startswith("用法：/設定 棄單 2")

    say(webhook, "/黑名單 移除 @小華", HOST_ID, at(1, 12), mentions=[member_id(BLOCKED)])
    assert last_text(messenger) == "✅ 已將 小華 移出黑名單，可以正常喊單了。"
    say(webhook, "/黑名單 移除 @小華", HOST_ID, at(1, 12, 1), mentions=[member_id(BLOCKED)])
    assert last_text(messenger) == "小華 不在黑名單上。"
    say(webhook, "/黑名單 新增", HOST_ID, at(1, 12, 2))
    assert last_text(messenger).startswith("用法：/黑名單")
    say(webhook, "/黑名單 新增 @團主", HOST_ID, at(1, 12, 3), mentions=[HOST_ID])
    assert last_text(messenger).endswith(" 是團主，不能加入黑名單。")
    assert uow.session.exec(select(MemberBlock)).all() == []
    uow.rollback()


def test_a_blocked_members_comments_change_nothing_and_get_one_reply(webhook: Webhook, messenger: FakeMessenger,
                                                                     history: None, uow: UnitOfWork) -> None:
    say(webhook, "A+1", BLOCKED, at(2, 9))
    assert confirmed(uow) == {(member_id(BLOCKED), "A"): 1}
    say(webhook, "/黑名單 新增 @小華", HOST_ID, at(2, 10), mentions=[member_id(BLOCKED)])
    replies = len(messenger.replies)
    first = say(webhook, "B+2", BLOCKED, at(2, 11))
    assert len(messenger.replies) == replies + 1
    assert last_text(messenger) == "你在這個群組的喊單暫時無法登記，請私訊團主詢問，謝謝！"
    assert messenger.replies[-1][1][-1].quote_token  # type: ignore[union-attr]
    for n, comment in enumerate(("A+3", "取消", "我要兩包韭菜水餃", "+1")):
        say(webhook, comment, BLOCKED, at(2, 12, n))
    event = edited_event(str(first["message"]["id"]), "C+5", user_id=member_id(BLOCKED), ts=at(2, 13))  # type: ignore[index]
    assert webhook.post(body(event)).status_code == 200
    assert len(messenger.replies) == replies + 1  # not one reply per comment
    assert confirmed(uow) == {(member_id(BLOCKED), "A"): 1}  # what was there stays; nothing new
    notices = uow.session.exec(select(CampaignNotice).where(CampaignNotice.kind == "blocked_reply")).all()
    assert len(notices) == 1
    uow.rollback()

    say(webhook, "A+1", REGULAR, at(2, 14))  # others order as usual
    assert "{m}" in last_text(messenger) and (member_id(REGULAR), "A") in confirmed(uow)
    say(webhook, "/黑名單 移除 @小華", HOST_ID, at(2, 15), mentions=[member_id(BLOCKED)])
    say(webhook, "B+1", BLOCKED, at(2, 16))
    assert confirmed(uow)[(member_id(BLOCKED), "B")] == 1


def test_the_host_is_warned_in_a_flagged_members_first_confirmation(webhook: Webhook, messenger: FakeMessenger,
                                                                    history: None, uow: UnitOfWork) -> None:
    say(webhook, "A+2", FLAGGED, at(2, 9))
    text = last_text(messenger)
    assert text.startswith("✅ {m} 已登記 第3團") and "小計 $360\n" + WARNING + "\n" in text
    assert confirmed(uow)[(member_id(FLAGGED), "A")] == 2  # a flagged member orders normally
    say(webhook, "B+1", FLAGGED, at(2, 10))
    assert WARNING not in last_text(messenger) and "B" in last_text(messenger)
    say(webhook, "A+1", ONCE, at(2, 11))
    assert "團主提醒" not in last_text(messenger)  # one no-show is under the threshold

    say(webhook, "/名單", HOST_ID, at(2, 12))
    roster = last_text(messenger)
    assert "小美 ⚠️未取貨2次：" in roster and "阿明：" in roster and "阿明 ⚠️" not in roster

    # A second campaign warns once more, and a folded (彙整) confirmation carries the line too.
    say(webhook, "/設定 回覆 彙整", HOST_ID, at(2, 13))
    say(webhook, HOTPOT.replace("冬季火鍋團", "年菜團").replace("12/20", "12/22"), HOST_ID, at(2, 14))
    campaign_id = uow.session.exec(select(Campaign.id).where(Campaign.title == "年菜團")).first()
    uow.rollback()
    say(webhook, f"第{campaign_id}團 A+1", FLAGGED, at(2, 15))
    folded = last_text(messenger)
    assert folded.startswith("✅ 已登記") and WARNING in folded


def test_members_are_refused_the_host_commands(webhook: Webhook, messenger: FakeMessenger, history: None,
                                               uow: UnitOfWork) -> None:
    for text, mentions in (("/黑名單", None), ("/黑名單 新增 @小華", [member_id(BLOCKED)]),
                           ("/黑名單 移除 @小華", [member_id(BLOCKED)]), ("/設定 棄單 1", None)):
        say(webhook, text, REGULAR, at(2, 9), mentions=mentions)
        assert "只有團主可以使用" in last_text(messenger)
    assert uow.session.exec(select(MemberBlock)).all() == []
    uow.rollback()
    say(webhook, "/設定", HOST_ID, at(2, 10))
    assert "棄單：未取貨 2 次以上列入 /黑名單" in last_text(messenger)


def test_the_members_export_has_no_shows_blocked_and_meals_as_a_number(webhook: Webhook, history: None,
                                                                       uow: UnitOfWork) -> None:
    say(webhook, "/黑名單 新增 @小華", HOST_ID, at(2, 10), mentions=[member_id(BLOCKED)])
    rows = {r["user_id"]: r for r in member_rows(uow)}
    got = {n: (rows[member_id(n)]["no_shows"], rows[member_id(n)]["blocked"], rows[member_id(n)]["meals_per_week"],
               rows[member_id(n)]["meals_label"]) for n in NAMES}
    assert got == {FLAGGED: (2, False, 3.5, "3-4"), ONCE: (1, False, 5, "5+"), BLOCKED: (0, True, 1, "1"),
                   REGULAR: (0, False, None, None)}
    listed = list(rows.values())
    as_json = json.loads(render(listed, "json"))
    assert [list(r) for r in as_json] == [list(COLUMNS)] * len(listed)
    assert {r["user_id"]: r["meals_per_week"] for r in as_json}[member_id(FLAGGED)] == 3.5
    as_csv = list(csv.DictReader(io.StringIO(render(listed, "csv").decode("utf-8-sig"))))
    by_user = {r["user_id"]: r for r in as_csv}
    assert (by_user[member_id(FLAGGED)]["meals_per_week"], by_user[member_id(FLAGGED)]["meals_label"]) == ("3.5", "3-4")
    assert (by_user[member_id(BLOCKED)]["blocked"], by_user[member_id(FLAGGED)]["no_shows"]) == ("True", "2")
    sheet = load_workbook(io.BytesIO(render(listed, "xlsx")))["members"]
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values[0] == list(COLUMNS)
    xlsx = {v[0]: dict(zip(COLUMNS, v, strict=True)) for v in values[1:]}
    assert (xlsx[member_id(FLAGGED)]["meals_per_week"], xlsx[member_id(BLOCKED)]["blocked"]) == (3.5, True)
    assert xlsx[member_id(FLAGGED)]["no_shows"] == 2
    uow.rollback()
