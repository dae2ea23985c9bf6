"""A group buy from /開團 through shortage, arrival, pickup and no-show, and the next campaign knowing about it:
every step through signed webhooks, the bot talking real HTTP to the fake LINE platform (which refuses anything
LINE would refuse)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask

from bot.fakeline import FakeLineServer
from infra.config import Settings
from tests.conftest import Webhook
from tests.factories.campaigns import HOTPOT, TPE, at
from tests.factories.webhook import GROUP_ID, HOST_ID, body, text_event
from tests.integration.test_pickup import HUA, MEI, MING, PICKUP, line, messenger, texts, tick  # noqa: F401


def send(webhook: Webhook, line: FakeLineServer, text: str, user: str, ts: int,  # noqa: F811
         mentions: list[str] | None = None) -> list[dict[str, Any]]:
    """Post one group message with the reply and quote tokens LINE would issue; return what the bot replied."""
    event = text_event(text, user_id=user, ts=ts, mentions=mentions)
    event["replyToken"] = line.platform.issue_reply_token(GROUP_ID)
    event["message"]["quoteToken"] = line.platform.issue_quote_token(event["message"]["id"])
    before = len(line.platform.replies)
    assert webhook.post(body(event)).status_code == 200
    return [m for r in line.platform.replies[before:] for m in r.messages]

SNACKS = """/開團
【年貨零食團】
A. 牛軋糖 $160/包
12/30 20:00 截單"""


def test_from_the_cutoff_to_a_no_show_and_the_next_campaign(webhook: Webhook, line: FakeLineServer,  # noqa: F811
                                                             app: Flask, settings: Settings) -> None:
    send(webhook, line, HOTPOT, HOST_ID, at(1, 10))
    send(webhook, line, "A+2 C+3", MEI, at(2, 9))
    send(webhook, line, "C+2", MING, at(2, 10))
    send(webhook, line, "A+1", HUA, at(2, 11))
    assert "已截單" in texts(send(webhook, line, "/截單", HOST_ID, at(3, 9)))
    supplier = texts(send(webhook, line, "/叫貨", HOST_ID, at(3, 10)))
    assert "A 高麗菜豬肉水餃 3 包" in supplier and "C 手工蛋捲 5 盒" in supplier
    shortage = send(webhook, line, "/缺貨 C 2", HOST_ID, at(3, 11))  # the last confirmed C (阿明's 2) are cut
    assert "C 手工蛋捲 ×2 → ×0" in texts(shortage) and line.platform.violations == []
    arrival = send(webhook, line, PICKUP, HOST_ID, at(21, 10))
    assert "社區管理室" in texts(arrival) and line.platform.violations == []
    mentioned = {m["userId"] for msg in arrival for sub in (msg.get("substitution") or {}).values()
                 for m in [sub.get("mentionee", {})] if m}
    assert mentioned == {MEI, HUA}  # 阿明 has nothing left to pick up
    assert "小美" in texts(send(webhook, line, "/取貨 @小美", HOST_ID, at(22, 18), [MEI]))
    assert "小華" in texts(send(webhook, line, "/未取", HOST_ID, at(23, 9)))
    after = datetime(2026, 12, 25, 10, 0, tzinfo=TPE)  # past 12/24, outside quiet hours
    assert tick(app, settings, line, after).startswith("1 no-shows")
    assert tick(app, settings, line, after).startswith("0 no-shows")  # the same tick again: nothing twice
    send(webhook, line, "/設定 棄單 1", HOST_ID, at(25, 11))
    assert "小華" in texts(send(webhook, line, "/黑名單", HOST_ID, at(25, 12)))

    send(webhook, line, SNACKS, HOST_ID, at(26, 10))
    confirmation = texts(send(webhook, line, "A+1", HUA, at(26, 11)))
    assert "已登記" in confirmation and "未取貨紀錄" in confirmation  # the host is warned, the order stands
    send(webhook, line, "/黑名單 新增 @小華 兩次沒取貨", HOST_ID, at(26, 12), [HUA])
    refused = texts(send(webhook, line, "A+2", HUA, at(26, 13)))
    assert "已登記" not in refused and refused  # one polite answer, nothing changed
    assert line.platform.violations == []
