"""Announcement parsing: corpus posts with expected JSON, deadlines, prices, limits, errors."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli.parse_chat import announcement_json
from parsers.announcement import AnnouncementError, parse_announcement

CORPUS = Path(__file__).parent / "corpus"
EXPECTED = json.loads((CORPUS / "announcements.json").read_text(encoding="utf-8"))
TAIPEI = ZoneInfo("Asia/Taipei")
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=TAIPEI)  # a Friday morning
ITEM_DEFAULTS = {"variants": [], "tiers": [], "per_member_limit": None, "minimum": None}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_post(name: str) -> None:
    case = EXPECTED[name]
    parsed = parse_announcement((CORPUS / name).read_text(encoding="utf-8"), datetime.fromisoformat(case["now"]))
    got = announcement_json(parsed)
    expected = {**case["expected"], "problems": []}
    expected["items"] = [{**ITEM_DEFAULTS, **item} for item in expected["items"]]
    assert got == expected


def test_every_corpus_post_has_an_expectation() -> None:
    posts = {path.name for path in CORPUS.glob("*.txt")} - {"no_items.txt"}
    assert posts == set(EXPECTED)


def _post(*item_lines: str, extra: str = "") -> str:
    """Build a small announcement around the given item lines."""
    return "\n".join(["【測試團】", *item_lines, extra, "留言 +1 喊單，例：A+2 B+1"])


@pytest.mark.parametrize(
    ("line", "price", "limit", "unit"),
    [
        ("A. 高麗菜水餃 $180", 180, None, None),
        ("A. 高麗菜水餃 $180/包", 180, None, "包"),
        ("A. 高麗菜水餃 180元", 180, None, None),
        ("A. 高麗菜水餃 180元/包", 180, None, "包"),
        ("A. 高麗菜水餃 NT$1,680", 1680, None, None),
        ("A. 高麗菜水餃 NT 1,680", 1680, None, None),
        ("A. 高麗菜水餃 一包180", 180, None, "包"),
        ("A. 高麗菜水餃 每盒$250", 250, None, "盒"),
        ("A. 高麗菜水餃 ＄１８０", 180, None, None),
        ("A. 高麗菜水餃 $180 限量30包", 180, 30, "包"),
        ("A. 高麗菜水餃 $180 限量 40 顆", 180, 40, "顆"),
        ("A. 高麗菜水餃 $180 (限量25)", 180, 25, None),
        ("A. 高麗菜水餃 $180 限15盒", 180, 15, "盒"),
        ("A. 高麗菜水餃 $180 限量三十包", 180, 30, "包"),
        ("A. 高麗菜水餃 $180 每人限購2包", 180, None, None),
        ("A. 高麗菜水餃 原價$250 團購價$180", 180, None, None),
        ("A. 高麗菜水餃 售價：180", 180, None, None),
    ],
)
def test_price_limit_unit(line: str, price: int, limit: int | None, unit: str | None) -> None:
    (item,) = parse_announcement(_post(line), NOW).items
    assert (item.code, item.name, item.price, item.limit, item.unit) == ("A", "高麗菜水餃", price, limit, unit)


@pytest.mark.parametrize(
    ("lines", "codes"),
    [
        (["A. 水餃 $180", "B. 湯包 $150"], ["A", "B"]),
        (["a. 水餃 $180", "b. 湯包 $150"], ["A", "B"]),
        (["A、水餃 $180", "B、湯包 $150"], ["A", "B"]),
        (["A：水餃 $180", "B：湯包 $150"], ["A", "B"]),
        (["(A) 水餃 $180", "(B) 湯包 $150"], ["A", "B"]),
        (["（A）水餃 $180", "（B）湯包 $150"], ["A", "B"]),
        (["1. 水餃 $180", "2. 湯包 $150"], ["1", "2"]),
        (["① 水餃 $180", "② 湯包 $150"], ["1", "2"]),
        (["①水餃 $180", "②湯包 $150"], ["1", "2"]),
        (["1️⃣ 水餃 $180", "2️⃣ 湯包 $150"], ["1", "2"]),
        (["1️⃣水餃 $180", "2️⃣湯包 $150"], ["1", "2"]),
        (["水餃 $180", "湯包 $150", "餛飩 $120"], ["A", "B", "C"]),
        (["🥟 水餃 $180", "🥟 湯包 $150"], ["A", "B"]),
        (["• 水餃 $180", "• 湯包 $150"], ["A", "B"]),
        (["A. 水餃 $180", "湯包 $150"], ["A", "B"]),
        (["B. 水餃 $180", "湯包 $150"], ["B", "A"]),
    ],
)
def test_labels_become_codes(lines: list[str], codes: list[str]) -> None:
    items = parse_announcement(_post(*lines), NOW).items
    assert [item.code for item in items] == codes
    assert [item.name for item in items][:2] == ["水餃", "湯包"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12/1(二) 20:00 截單", datetime(2026, 12, 1, 20, 0)),
        ("截單時間：11/25 晚上10點", datetime(2026, 11, 25, 22, 0)),
        ("收單至 2026/11/28 12:00", datetime(2026, 11, 28, 12, 0)),
        ("12月3日 晚上8点截单", datetime(2026, 12, 3, 20, 0)),
        ("明天中午12點收單", datetime(2026, 11, 21, 12, 0)),
        ("明天下午3點截單", datetime(2026, 11, 21, 15, 0)),
        ("本週五晚上9點截單", datetime(2026, 11, 20, 21, 0)),
        ("本周日晚上9点截单", datetime(2026, 11, 22, 21, 0)),
        ("下週二中午截單", datetime(2026, 11, 24, 12, 0)),
        ("115/11/30 17:00 截單", datetime(2026, 11, 30, 17, 0)),
        ("截止日期：115/11/30 17:00", datetime(2026, 11, 30, 17, 0)),
        ("截止日期：115年11月30日 下午5點", datetime(2026, 11, 30, 17, 0)),
        ("1/5 截單", datetime(2027, 1, 5, 23, 59)),  # no year: the next 1/5
        ("11/19 20:00 截單", datetime(2027, 11, 19, 20, 0)),  # yesterday's date means next year
        ("截單：12/1 晚上八點半", datetime(2026, 12, 1, 20, 30)),
        ("今晚10點截單", datetime(2026, 11, 20, 22, 0)),
        ("後天 早上10:00 收單", datetime(2026, 11, 22, 10, 0)),
        ("12/1 晚上12點截單", datetime(2026, 12, 1, 23, 59)),
    ],
)
def test_deadline(text: str, expected: datetime) -> None:
    found = parse_announcement(_post("A. 水餃 $180", extra=text), NOW).deadline
    assert found == expected.replace(tzinfo=TAIPEI)
    assert found is not None and found.utcoffset() is not None


def test_deadline_resolves_in_taipei_even_when_now_is_utc() -> None:
    now_utc = datetime(2026, 11, 20, 17, 0, tzinfo=ZoneInfo("UTC"))  # already Saturday 01:00 in Taipei
    found = parse_announcement(_post("A. 水餃 $180", extra="明天中午12點收單"), now_utc).deadline
    assert found == datetime(2026, 11, 22, 12, 0, tzinfo=TAIPEI)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12/8 前出貨", date(2026, 12, 8)),
        ("12/10 到貨", date(2026, 12, 10)),
        ("取貨日 12/12", date(2026, 12, 12)),
        ("12/1 截單，12/8 出貨", date(2026, 12, 8)),
        ("預計 2026/12/15 配送", date(2026, 12, 15)),
        ("下週三 面交", date(2026, 11, 25)),
        ("到貨再通知", None),
    ],
)
def test_delivery_date(text: str, expected: date | None) -> None:
    assert parse_announcement(_post("A. 水餃 $180", extra=text), NOW).delivery_date == expected


@pytest.mark.parametrize(
    "line",
    [
        "留言 +1 喊單，例：A+2 B+1",
        "匯款帳號：(822) 1234-5678-9012",
        "運費 $150，滿1,500免運",
        "12/1(二) 20:00 截單",
        "12/8 前出貨",
        "大家好～",
        "取貨地點：社區大門 $0",
        "總計 $540",
    ],
)
def test_non_item_lines_are_not_items(line: str) -> None:
    items = parse_announcement(_post("A. 水餃 $180", extra=line), NOW).items
    assert [item.name for item in items] == ["水餃"]


def test_title_from_brackets_or_first_line() -> None:
    assert parse_announcement(_post("A. 水餃 $180"), NOW).title == "測試團"
    assert parse_announcement("🍱 午餐團 🍱\n排骨便當 $100", NOW).title == "午餐團"


@pytest.mark.parametrize("text", ["", "   \n  ", "【下週開團預告】\n大家好～口味確認中"])
def test_no_items_raises_a_helpful_zh_tw_error(text: str) -> None:
    with pytest.raises(AnnouncementError) as info:
        parse_announcement(text, NOW)
    assert "品項" in str(info.value)
    assert "A. 高麗菜水餃 $180/包" in str(info.value)


def test_no_items_corpus_post() -> None:
    with pytest.raises(AnnouncementError, match="看不到任何品項"):
        parse_announcement((CORPUS / "no_items.txt").read_text(encoding="utf-8"), NOW)


def test_items_are_frozen() -> None:
    item = parse_announcement(_post("A. 水餃 $180"), NOW).items[0]
    with pytest.raises(AttributeError):
        item.price = 1  # type: ignore[misc]
