"""Arrival, pickup, no-shows and the shipping list through signed webhooks, the bot talking real HTTP to the fake
LINE platform (which refuses any request LINE's OpenAPI spec or limits would refuse)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from sqlmodel import col, select

from bot.fakeline import FakeLinePlatform, FakeLineServer
from handlers import pickup_messages
from infra.config import Settings
from infra.db import UnitOfWork
from infra.messenger import LineMessenger
from models import Campaign, CampaignNotice, Member, NoShow, OrderLine, Setting
from scheduler import jobs
from services.no_show_counts import no_show_counts
from services.order_export import order_rows
from tests.conftest import TOKEN, Webhook
from tests.factories.campaigns import HOTPOT, TPE, at
from tests.factories.orders import add_campaign, add_member, add_order
from tests.factories.webhook import GROUP_ID, HOST_ID, body, member_id, text_event

MEI, MING, HUA, LAN = member_id(1), member_id(2), member_id(3), member_id(4)
NAMES = {MEI: "小美", MING: "阿明", HUA: "小華", LAN: "小蘭"}
PICKUP = """/到貨
取貨地點：社區管理室
取貨時間：12/22(二) 18:00-21:00
取貨期限 12/24"""


@pytest.fixture
def line() -> Iterator[FakeLineServer]:
    """Serve a fake LINE platform with the group, the host and four members (all friends)."""
    platform = FakeLinePlatform(TOKEN, quota=None)
    platform.add_user(HOST_ID, "團主")
    for uid, name in NAMES.items():
        platform.add_user(uid, name)
    platform.add_group(GROUP_ID, "社區團購", [HOST_ID, *NAMES])
    with FakeLineServer(platform) as server:
        yield server


@pytest.fixture
def messenger(line: FakeLineServer) -> LineMessenger:
    """Send every LINE request over HTTP to the fake platform (overrides the in-memory messenger)."""
    return LineMessenger(TOKEN, line.base_url)


def send(webhook: Webhook, line: FakeLineServer, text: str, user: str, ts: int,
         mentions: list[str] | None = None) -> list[dict[str, Any]]:
    """Post one group message with a reply token the platform issued; return the messages the bot replied."""
    event = text_event(text, user_id=user, ts=ts, mentions=mentions)
    event["replyToken"] = line.platform.issue_reply_token(GROUP_ID)
    before = len(line.platform.replies)
    assert webhook.post(body(event)).status_code == 200
    replies = line.platform.replies[before:]
    return [m for r in replies for m in r.messages]


def texts(messages: list[dict[str, Any]]) -> str:
    """Return the texts of messages, joined."""
    return "\n".join(str(m.get("text", "")) for m in messages)


def engine_of(app: Flask) -> Any:
    return app.extensions["groupbuy"].engine


@pytest.fixture
def closed(webhook: Webhook, line: FakeLineServer) -> None:
    """The hot-pot campaign in a quiet group: 小美 A+2 B+1 ($560), 阿明 A+1 ($180), 小華 only waitlisted C; closed."""
    send(webhook, line, "/設定 回覆 安靜", HOST_ID, at(1, 9))
    send(webhook, line, HOTPOT.replace("限量30盒", "限量1盒"), HOST_ID, at(1, 10))
    send(webhook, line, "A+2 B+1", MEI, at(2, 9))
    send(webhook, line, "我要一包高麗菜水餃", MING, at(2, 10))
    send(webhook, line, "C+1", LAN, at(2, 10, 30))
    send(webhook, line, "C+2", HUA, at(2, 11))  # the one C is 小蘭's: 小華 waits
    assert "已截單" in texts(send(webhook, line, "/截單", HOST_ID, at(3, 9)))


def lines_of(app: Flask, user: str) -> list[tuple[str, datetime | None]]:
    with UnitOfWork(engine_of(app), read_only=True) as uow:
        member = uow.session.exec(select(Member).where(Member.line_user_id == user)).one()
        rows = uow.session.exec(select(OrderLine).where(OrderLine.member_id == member.id, OrderLine.confirmed_qty > 0)
                                .order_by(col(OrderLine.id))).all()
        return [(r.pickup_status, r.picked_up_at) for r in rows]


def campaign_row(app: Flask, campaign_id: int = 1) -> Campaign:
    with UnitOfWork(engine_of(app), read_only=True) as uow:
        campaign = uow.session.get(Campaign, campaign_id)
        assert campaign is not None
        uow.session.expunge(campaign)
        return campaign


def test_arrival_mentions_every_buyer_with_items_and_re_announcing_updates(
    webhook: Webhook, line: FakeLineServer, closed: None, app: Flask
) -> None:
    [notice] = send(webhook, line, PICKUP, HOST_ID, at(21, 10))
    assert notice["type"] == "textV2"
    text = notice["text"]
    assert text.startswith("📦 第1團【冬季火鍋團】到貨囉！")
    assert "📍 取貨地點：社區管理室" in text and "🕒 取貨時間：12/22(二) 18:00-21:00" in text
    assert "⏳ 取貨期限：12/24(四) 23:59 前" in text
    assert "1. {m0} A 高麗菜豬肉水餃×2、B 韭菜水餃×1" in text and "2. {m1} A 高麗菜豬肉水餃×1" in text
    assert "3. {m2} C 手工蛋捲×1" in text and "{m3}" not in text  # 小華 only waits: not told to pick up
    assert {k: v["mentionee"]["userId"] for k, v in notice["substitution"].items()} == {"m0": MEI, "m1": MING, "m2": LAN}
    campaign = campaign_row(app)
    assert (campaign.pickup_place, campaign.pickup_time) == ("社區管理室", "12/22(二) 18:00-21:00")
    assert campaign.pickup_date is not None and campaign.pickup_date.isoformat() == "2026-12-22"
    assert campaign.pickup_deadline == datetime(2026, 12, 24, 23, 59, tzinfo=TPE)
    first_arrival = campaign.arrived_at

    [again] = send(webhook, line, "/到貨 1\n取貨期限：12/26 21:00", HOST_ID, at(21, 12))
    assert again["text"].startswith("🔄 取貨資訊更新！第1團【冬季火鍋團】") and "社區管理室" in again["text"]
    assert "12/26(六) 21:00 前" in again["text"] and len(again["substitution"]) == 3
    campaign = campaign_row(app)
    assert campaign.pickup_deadline == datetime(2026, 12, 26, 21, 0, tzinfo=TPE) and campaign.arrived_at == first_arrival
    assert line.platform.violations == []


def test_arrival_is_refused_while_open_with_a_past_deadline_and_without_buyers(
    webhook: Webhook, line: FakeLineServer, app: Flask
) -> None:
    send(webhook, line, HOTPOT, HOST_ID, at(1, 10))
    assert "還在收單：請先 /截單 1，再 /到貨 1" in texts(send(webhook, line, PICKUP, HOST_ID, at(2, 10)))
    send(webhook, line, "/截單", HOST_ID, at(3, 9))
    refused = texts(send(webhook, line, "/到貨\n地點 7-11 文心門市\n取貨期限 12/2", HOST_ID, at(3, 10)))
    assert "取貨期限 12/2(三) 23:59 已經過了" in refused and "/到貨\n取貨地點：社區管理室" in refused
    assert campaign_row(app).arrived_at is None and campaign_row(app).pickup_place is None
    nobody = texts(send(webhook, line, "/到貨\n地點 7-11 文心門市", HOST_ID, at(3, 11)))
    assert "這一團沒有確定的訂單" in nobody and campaign_row(app).pickup_place == "7-11 文心門市"
    assert line.platform.violations == []


def many_buyers(app: Flask, count: int) -> None:
    """Store a closed campaign with ``count`` buyers of three long-named items each."""
    items = {"A": ("阿里山高冷高麗菜豬肉手工水餃（一包五十顆）", 180), "B": ("宜蘭三星蔥韭菜鮮蝦大餛飩（冷凍）", 200),
             "C": ("台南關廟手工日曬麵條家庭號", 90)}
    with UnitOfWork(engine_of(app)) as uow:
        fixture = add_campaign(uow, "年終大團", items=items)
        for n in range(10, 10 + count):
            add_order(uow, fixture, add_member(uow, n, f"鄰居{n}號的媽媽"), {"A": 2, "B": 1, "C": 3})
        uow.commit()


def mentioned(messages: list[dict[str, Any]]) -> list[str]:
    return [s["mentionee"]["userId"] for m in messages for s in (m.get("substitution") or {}).values()]


def test_a_hundred_and_twenty_buyers_are_mentioned_across_messages_within_line_limits(
    webhook: Webhook, line: FakeLineServer, app: Flask
) -> None:
    many_buyers(app, 120)
    messages = send(webhook, line, PICKUP, HOST_ID, at(21, 10))
    assert 2 <= len(messages) <= 5 and line.platform.violations == []
    for m in messages:
        assert m["type"] == "textV2" and len(m["substitution"]) <= 100
        assert len(m["text"].encode("utf-16-le")) // 2 <= 5000
        assert set(m["substitution"]) == {part.split("}")[0] for part in m["text"].split("{")[1:]}
    assert sorted(mentioned(messages)) == sorted(member_id(n) for n in range(10, 130))
    assert messages[1]["text"].startswith("（續）第1團【年終大團】取貨名單")
    assert line.platform.pushes == []


def test_when_five_messages_are_not_enough_the_rest_is_pushed_or_counted(
    webhook: Webhook, line: FakeLineServer, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pickup_messages, "MAX_MENTIONS", 10)
    many_buyers(app, 120)
    replied = send(webhook, line, PICKUP, HOST_ID, at(21, 10))
    assert len(replied) == 5 and "其餘 70 位接著推播，會用掉訊息額度" in replied[-1]["text"]
    pushed = [m for r in line.platform.pushes for m in r.messages]
    assert [r.body["to"] for r in line.platform.pushes] == [GROUP_ID, GROUP_ID]  # 7 messages: 5 + 2
    assert sorted(mentioned(replied + pushed)) == sorted(member_id(n) for n in range(10, 130))
    assert all(r.headers.get("X-Line-Retry-Key") for r in line.platform.pushes)

    send(webhook, line, "/設定 推播 關", HOST_ID, at(21, 11))
    replied = send(webhook, line, "/到貨", HOST_ID, at(21, 12))
    assert len(replied) == 5 and len(line.platform.pushes) == 2
    assert "…還有 70 位沒有列出（群組關閉了推播）。團主可輸入 /未取 看完整名單。" in replied[-1]["text"]
    assert len(mentioned(replied)) == 50 and line.platform.violations == []


def test_pickup_is_ticked_off_said_twice_undone_and_exported(
    webhook: Webhook, line: FakeLineServer, closed: None, app: Flask
) -> None:
    assert "沒有已到貨的商品可以取" in texts(send(webhook, line, "/取貨 @小美", HOST_ID, at(20, 9), [MEI]))
    send(webhook, line, PICKUP, HOST_ID, at(21, 10))
    done = texts(send(webhook, line, "/取貨 @小美", HOST_ID, at(22, 18, 5), [MEI]))
    assert done == "✅ 小美 取貨完成：第1團 A 高麗菜豬肉水餃×2、B 韭菜水餃×1\n💰 還要付 $560，記得提醒匯款。"
    assert lines_of(app, MEI) == [("picked", datetime(2026, 12, 22, 18, 5, tzinfo=TPE))] * 2
    again = texts(send(webhook, line, "/取貨 @小美", HOST_ID, at(22, 18, 30), [MEI]))
    assert again.startswith("ℹ️ 小美 已經取過貨了（12/22(二) 18:05 登記）")
    assert lines_of(app, MEI)[0][1] == datetime(2026, 12, 22, 18, 5, tzinfo=TPE)  # the first tick stands

    undone = texts(send(webhook, line, "/取貨 取消 @小美", HOST_ID, at(22, 19), [MEI]))
    assert undone == "↩️ 已取消 小美 的取貨登記，改回未取：第1團 A 高麗菜豬肉水餃×2、B 韭菜水餃×1"
    assert lines_of(app, MEI) == [("pending", None)] * 2
    assert "本來就還沒取貨" in texts(send(webhook, line, "/取貨 取消 @小美", HOST_ID, at(22, 19, 1), [MEI]))

    both = texts(send(webhook, line, "/取貨 @小美 @阿明", HOST_ID, at(22, 19, 2), [MEI, MING]))
    assert "✅ 小美 取貨完成" in both and "✅ 阿明 取貨完成：第1團 A 高麗菜豬肉水餃×1" in both
    assert "沒有已到貨" in texts(send(webhook, line, "/取貨 @小華", HOST_ID, at(22, 19, 3), [HUA]))
    assert "用法：/取貨 @成員" in texts(send(webhook, line, "/取貨 小美", HOST_ID, at(22, 19, 4)))
    with UnitOfWork(engine_of(app), read_only=True) as uow:
        status = {(r["user_id"], r["item_code"], r["status"]): r["pickup_status"] for r in order_rows(uow)}
    assert status == {(MEI, "A", "confirmed"): "picked", (MEI, "B", "confirmed"): "picked",
                      (MING, "A", "confirmed"): "picked", (LAN, "C", "confirmed"): "pending",
                      (HUA, "C", "waitlisted"): "pending"}
    assert line.platform.violations == []


def test_not_picked_lists_items_amounts_and_whether_paid(
    webhook: Webhook, line: FakeLineServer, closed: None, app: Flask
) -> None:
    assert "還沒有到貨的團" in texts(send(webhook, line, "/未取", HOST_ID, at(20, 9)))
    assert "第1團【冬季火鍋團】還沒到貨" in texts(send(webhook, line, "/未取 1", HOST_ID, at(20, 9, 1)))
    send(webhook, line, PICKUP, HOST_ID, at(21, 10))
    send(webhook, line, "/購物金 @阿明 +180 上次少送", HOST_ID, at(21, 11), [MING])  # pays 阿明's due
    send(webhook, line, "/取貨 @小蘭", HOST_ID, at(22, 18), [LAN])
    listed = texts(send(webhook, line, "/未取", HOST_ID, at(22, 20)))
    assert listed == ("📋 還沒取貨（第1團）：2 位\n"
                      "1. 小美：第1團 A 高麗菜豬肉水餃×2、B 韭菜水餃×1｜$560｜未付 $560\n"
                      "2. 阿明：第1團 A 高麗菜豬肉水餃×1｜$180｜已付清")
    send(webhook, line, "/取貨 @小美 @阿明", HOST_ID, at(22, 21), [MEI, MING])
    assert texts(send(webhook, line, "/未取 1", HOST_ID, at(22, 22))) == "🎉 第1團大家都取貨了！"
    assert line.platform.violations == []


def tick(app: Flask, settings: Settings, line: FakeLineServer, when: datetime) -> str:
    report = jobs.tick(when, settings=settings, messenger=LineMessenger(TOKEN, line.base_url))
    return report.steps["no_shows"]


def test_the_pickup_deadline_makes_no_shows_exactly_once_and_tells_the_host_once(
    webhook: Webhook, line: FakeLineServer, closed: None, app: Flask, settings: Settings
) -> None:
    send(webhook, line, PICKUP, HOST_ID, at(21, 10))
    send(webhook, line, "/取貨 @阿明", HOST_ID, at(22, 18), [MING])
    assert tick(app, settings, line, datetime(2026, 12, 24, 23, 0, tzinfo=TPE)).startswith("0 no-shows")
    midnight = datetime(2026, 12, 25, 0, 30, tzinfo=TPE)  # past the deadline, in quiet hours
    assert tick(app, settings, line, midnight).startswith("2 no-shows in 1 campaigns, hosts told 0, notices waiting 1")
    assert tick(app, settings, line, midnight).startswith("0 no-shows in 0 campaigns, hosts told 0, notices waiting 1")
    assert line.platform.pushes == []
    morning = datetime(2026, 12, 25, 10, 0, tzinfo=TPE)
    assert tick(app, settings, line, morning).startswith("0 no-shows in 0 campaigns, hosts told 1")
    assert tick(app, settings, line, morning).startswith("0 no-shows in 0 campaigns, hosts told 0, notices waiting 0")
    [push] = line.platform.pushes
    assert push.body["to"] == HOST_ID and len(push.messages) == 1
    assert push.messages[0]["text"].startswith("📋 第1團【冬季火鍋團】取貨期限 12/24(四) 23:59 已過：2 位沒有取貨，已記為棄單。")
    assert "・小美：3 件 $560" in push.messages[0]["text"] and "・小蘭：1 件 $250" in push.messages[0]["text"]

    with UnitOfWork(engine_of(app)) as uow:  # a crash after LINE took the push, before it was marked sent
        notice = uow.session.exec(select(CampaignNotice)).one()
        notice.status = "pending"
        uow.session.add(notice)
        uow.commit()
    assert "hosts told 1" in tick(app, settings, line, morning)  # LINE answers 409 for the same retry key
    assert len(line.platform.pushes) == 1
    with UnitOfWork(engine_of(app), read_only=True) as uow:
        rows = uow.session.exec(select(NoShow).order_by(col(NoShow.member_id))).all()
        assert [(r.qty, r.amount) for r in rows] == [(3, 560), (1, 250)]
        ids = {m.line_user_id: m.id for m in uow.session.exec(select(Member)).all()}
        everywhere, here, elsewhere = (no_show_counts(uow), no_show_counts(uow, rows[0].group_id),
                                       no_show_counts(uow, 999))
        assert [everywhere.get(ids[u] or 0, 0) for u in (MEI, MING, LAN, HUA)] == [1, 0, 1, 0]
        assert here.get(ids[MEI] or 0, 0) == 1 and elsewhere.get(ids[MEI] or 0, 0) == 0
    assert lines_of(app, MEI) == [("no_show", None)] * 2 and lines_of(app, MING)[0][0] == "picked"

    late = texts(send(webhook, line, "/取貨 @小美", HOST_ID, at(26, 10), [MEI]))
    assert "✅ 小美 取貨完成" in late and "第1團已過取貨期限，棄單紀錄保留" in late
    listed = texts(send(webhook, line, "/未取", HOST_ID, at(26, 11)))
    assert "1. 小蘭：第1團 C 手工蛋捲×1｜$250｜未付 $250｜⚠️ 逾期" in listed
    send(webhook, line, "/取貨 取消 @小美", HOST_ID, at(26, 12), [MEI])  # undone after the deadline: no second no-show
    assert tick(app, settings, line, datetime(2026, 12, 26, 13, 0, tzinfo=TPE)).startswith("0 no-shows")
    assert lines_of(app, MEI) == [("no_show", None)] * 2
    with UnitOfWork(engine_of(app), read_only=True) as uow:
        assert len(uow.session.exec(select(NoShow)).all()) == 2
    assert line.platform.violations == []


def test_members_are_refused_every_pickup_command_with_no_effect(
    webhook: Webhook, line: FakeLineServer, closed: None, app: Flask
) -> None:
    send(webhook, line, PICKUP, HOST_ID, at(21, 10))
    before = campaign_row(app)
    for text, mentions in [("/到貨\n取貨地點：我家\n取貨期限 12/30", None), ("/取貨 @小美", [MEI]),
                           ("/取貨 取消 @小美", [MEI]), ("/未取", None), ("/出貨單", None), ("/設定 取貨期限 3", None)]:
        answer = texts(send(webhook, line, text, MING, at(22, 9), mentions))
        assert "只有團主可以使用" in answer and "/說明" in answer, text
    send(webhook, line, "/取貨 @小美", HOST_ID, at(22, 9, 1), [MEI])
    answer = texts(send(webhook, line, "/取貨 取消 @小美", LAN, at(22, 9, 2), [MEI]))
    assert "只有團主可以使用" in answer and lines_of(app, MEI)[0][0] == "picked"
    after = campaign_row(app)
    assert (after.pickup_place, after.pickup_deadline) == (before.pickup_place, before.pickup_deadline)
    with UnitOfWork(engine_of(app), read_only=True) as uow:
        assert uow.session.exec(select(Setting).where(Setting.key == "pickup.days")).all() == []
    helped = texts(send(webhook, line, "/說明", HOST_ID, at(22, 10)))
    for name in ("/到貨", "/取貨", "/未取", "/出貨單"):
        assert name in helped
    assert "/到貨" not in texts(send(webhook, line, "/說明", MING, at(22, 10, 1)))


def test_a_default_pickup_window_applies_when_no_deadline_is_written(
    webhook: Webhook, line: FakeLineServer, closed: None, app: Flask
) -> None:
    assert "取貨期限：沒寫就不設" in texts(send(webhook, line, "/設定", HOST_ID, at(20, 9)))
    assert "1 到 60 天" in texts(send(webhook, line, "/設定 取貨期限 99", HOST_ID, at(20, 9, 1)))
    assert "取貨期限：沒寫就是開始取貨後 3 天" in texts(send(webhook, line, "/設定 取貨期限 3天", HOST_ID, at(20, 9, 2)))
    text = texts(send(webhook, line, "/到貨\n取貨時間：12/22 18:00-21:00\n地點 管理室", HOST_ID, at(21, 10)))
    assert "⏳ 取貨期限：12/25(五) 23:59 前" in text
    assert campaign_row(app).pickup_deadline == datetime(2026, 12, 25, 23, 59, tzinfo=TPE)


def test_two_clocks_ticking_at_the_same_instant_record_each_no_show_once(
    webhook: Webhook, line: FakeLineServer, closed: None, app: Flask, settings: Settings
) -> None:
    import threading

    from services import no_shows as step

    send(webhook, line, PICKUP, HOST_ID, at(21, 10))
    when = datetime(2026, 12, 25, 10, 0, tzinfo=TPE)
    summaries: list[str] = []
    start = threading.Barrier(2)

    def clock() -> None:
        start.wait()
        summaries.append(step.run_step(engine_of(app), settings, LineMessenger(TOKEN, line.base_url), when))

    threads = [threading.Thread(target=clock) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(summaries) == 2 and sum(int(s.split()[0]) for s in summaries) == 3  # 小美, 阿明, 小蘭
    with UnitOfWork(engine_of(app), read_only=True) as uow:
        assert len(uow.session.exec(select(NoShow)).all()) == 3
        assert len(uow.session.exec(select(CampaignNotice)).all()) == 1
    assert len(line.platform.pushes) == 1 and line.platform.violations == []
