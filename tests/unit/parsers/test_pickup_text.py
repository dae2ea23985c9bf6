"""The pickup information under /到貨: realistic host texts, and properties over generated ones."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parsers.deadline import TAIPEI
from parsers.pickup import default_deadline, parse_pickup

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=TAIPEI)  # a Monday


def tpe(month: int, day: int, hour: int = 23, minute: int = 59, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TAIPEI)


CASES = [
    # text, place, time text, first pickup day, deadline
    ("取貨地點：社區管理室\n取貨時間：12/8(二) 18:00-21:00\n取貨期限 12/10",
     "社區管理室", "12/8(二) 18:00-21:00", date(2026, 12, 8), tpe(12, 10)),
    ("地點 7-11 文心門市", "7-11 文心門市", None, None, None),
    ("明天下午3點後到 大樓交誼廳領取", "大樓交誼廳", "明天下午3點後", date(2026, 12, 8), None),
    ("取貨期限：12/10 21:00", None, None, None, tpe(12, 10, 21, 0)),
    ("📍地點：全家 中山店\n🕒 12/9 晚上七點到九點\n請於 12/12 前取貨",
     "全家 中山店", "12/9 晚上七點到九點", date(2026, 12, 9), tpe(12, 12)),
    ("領取地點：B1 停車場入口\n領取時間：週三 19:00~21:00\n最晚取貨 12/11 20:00",
     "B1 停車場入口", "週三 19:00~21:00", date(2026, 12, 9), tpe(12, 11, 20, 0)),
    ("取貨地點︰ 文心路一段 100 號 1 樓\n取貨日期：115/12/9\n取貨期限：115/12/13",
     "文心路一段 100 號 1 樓", "115/12/9", date(2026, 12, 9), tpe(12, 13)),
    ("ＡＢ大樓管理室\n１２／８ 晚上 7點後", "AB大樓管理室", "12/8 晚上 7點後", date(2026, 12, 8), None),
    ("面交地點：捷運市政府站 2 號出口\n時間 18:30", "捷運市政府站 2 號出口", "18:30", date(2026, 12, 7), None),
    ("保留到 12/14\n謝謝大家辛苦了", None, None, None, tpe(12, 14)),
    ("12/30 到貨後 在 里民活動中心 領取", "里民活動中心", "12/30 到貨後", date(2026, 12, 30), None),
    ("取貨時間：1/3(日) 10:00-12:00\n取貨期限 1/5", None, "1/3(日) 10:00-12:00", date(2027, 1, 3), tpe(1, 5, year=2027)),
]


@pytest.mark.parametrize(("text", "place", "time_text", "day", "deadline"), CASES)
def test_host_texts_are_read(text: str, place: str | None, time_text: str | None, day: date | None,
                             deadline: datetime | None) -> None:
    got = parse_pickup(text, NOW)
    assert got.problems == ()
    assert (got.place, got.time_text, got.pickup_date, got.deadline) == (place, time_text, day, deadline)


REFUSED = [
    ("取貨期限 12/5", "已經過了"),  # before the arrival (12/7)
    ("取貨期限 12/1", "已經過了"),  # not next year's 12/1
    ("取貨期限：今天早上8點", "已經過了"),
    ("取貨時間：12/12 18:00\n取貨期限 12/10", "比開始取貨的 12/12 還早"),
    ("取貨期限：找團主", "看不懂取貨期限"),
]


@pytest.mark.parametrize(("text", "why"), REFUSED)
def test_a_deadline_that_cannot_be_right_is_refused_with_what_to_write(text: str, why: str) -> None:
    got = parse_pickup(text, NOW)
    assert got.deadline is None
    [problem] = got.problems
    assert why in problem and "取貨期限 12/" in problem  # an example to copy


def test_nothing_written_is_empty_and_chatter_is_not_a_place() -> None:
    assert parse_pickup("", NOW).empty
    assert parse_pickup("謝謝大家～辛苦了", NOW).empty


def test_the_default_deadline_is_the_end_of_the_day_n_days_after_the_first_pickup_day() -> None:
    assert default_deadline(NOW, date(2026, 12, 8), 3) == tpe(12, 11)
    assert default_deadline(NOW, None, 2) == tpe(12, 9)


PLACE_CHARS = st.sampled_from(list("社區管理室大樓交誼廳全家門市里民活動中心文心路號樓ABC123 -"))
places = st.text(PLACE_CHARS, min_size=1, max_size=30).map(str.strip).filter(lambda p: p and not p[0].isdigit())


@given(place=places, label=st.sampled_from(["取貨地點：", "地點 ", "領取地點:", "📍 取貨地點 ", "面交地點："]))
def test_a_labelled_place_reads_back_as_written(place: str, label: str) -> None:
    assert parse_pickup(f"{label}{place}", NOW).place == place


@given(days=st.integers(min_value=0, max_value=150), hour=st.one_of(st.none(), st.integers(min_value=0, max_value=23)),
       roc=st.booleans())
def test_a_written_deadline_is_that_day_and_never_before_the_arrival(days: int, hour: int | None, roc: bool) -> None:
    day = NOW.date() + timedelta(days=days)
    written = f"{day.year - 1911}/{day.month}/{day.day}" if roc else f"{day.month}/{day.day}"
    text = f"取貨期限：{written}" + (f" {hour:02d}:00" if hour is not None else "")
    got = parse_pickup(text, NOW)
    expected = datetime(day.year, day.month, day.day, hour if hour is not None else 23, 0 if hour is not None else 59,
                        tzinfo=TAIPEI)
    if expected <= NOW:
        assert got.deadline is None and got.problems
    else:
        assert got.deadline == expected and got.problems == ()


@given(st.text(max_size=200))
def test_any_text_reads_without_raising_and_a_deadline_is_always_ahead(text: str) -> None:
    got = parse_pickup(text, NOW)
    assert got.deadline is None or got.deadline > NOW
    assert got.deadline is None or not got.problems
    for value in (got.place, got.time_text):
        assert value is None or 0 < len(value) <= 200
