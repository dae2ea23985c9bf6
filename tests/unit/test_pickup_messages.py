"""The arrival notice and host lists split on LINE's limits: 100 mentions, 5,000 UTF-16 units, 5 messages."""

from __future__ import annotations

from datetime import datetime

from handlers import pickup_messages as say
from infra.messages import utf16_len
from models import Campaign, Item, Member
from parsers.deadline import TAIPEI
from services.arrival import Arrival, Buyer
from services.order_views import ItemState

CAMPAIGN = Campaign(id=7, group_id=1, title="年貨{大}團", opened_by="Uhost", pickup_place="社區管理室",
                    pickup_time="12/8(二) 18:00-21:00", pickup_deadline=datetime(2026, 12, 10, 23, 59, tzinfo=TAIPEI))


def arrival(count: int, name: str = "水餃", *, updated: bool = False) -> Arrival:
    item = Item(id=1, campaign_id=7, code="A", name=name, price=180)
    buyers = tuple(Buyer(Member(id=n, line_user_id=f"U{n:032x}"), (ItemState(item, 2, 2, None),)) for n in range(count))
    return Arrival(CAMPAIGN, updated, buyers)


def test_short_lines_split_at_a_hundred_mentions() -> None:
    chunks = say.arrival_chunks(arrival(250), TAIPEI)
    assert [len(c.mentions) for c in chunks] == [100, 100, 50]
    assert chunks[0].lines[:5] == [
        "📦 第7團【年貨｛大｝團】到貨囉！", "📍 取貨地點：社區管理室", "🕒 取貨時間：12/8(二) 18:00-21:00",
        "⏳ 取貨期限：12/10(四) 23:59 前（逾期未取會記為棄單）", "請以下 250 位來取貨：",
    ]
    assert chunks[0].lines[5] == "1. {m0} A 水餃×2" and chunks[-1].lines[-1].startswith("取貨時跟團主說一聲")
    texts = [c.text() for c in chunks]
    assert all(set(t.mentions) == {p.split("}")[0] for p in t.text.split("{")[1:]} for t in texts)


def test_long_lines_split_before_five_thousand_units() -> None:
    chunks = say.arrival_chunks(arrival(100, "阿里山高冷高麗菜豬肉手工水餃（一包五十顆）" * 3), TAIPEI)
    assert len(chunks) > 1 and all(utf16_len(c.text().text) <= 5000 for c in chunks)
    assert sum(len(c.mentions) for c in chunks) == 100


def test_no_buyers_and_an_update_say_so() -> None:
    [only] = say.arrival_chunks(arrival(0), TAIPEI)
    assert only.lines[-1] == "這一團沒有確定的訂單，不用通知取貨。" and not only.mentions
    assert say.arrival_chunks(arrival(1, updated=True), TAIPEI)[0].lines[0] == "🔄 取貨資訊更新！第7團【年貨｛大｝團】"


def test_a_host_list_keeps_to_five_messages_and_counts_the_rest() -> None:
    lines = [f"{n}. 成員{n}：" + "A 水餃×2、" * 40 for n in range(1, 200)]
    messages = say.plain_chunks("📋 還沒取貨", lines, more="…還有 {n} 位沒有列出。")
    assert len(messages) == 5 and all(utf16_len(m.text) <= 5000 for m in messages)
    shown = sum(m.text.count("成員") for m in messages)
    assert messages[-1].text.endswith(f"…還有 {199 - shown} 位沒有列出。")
