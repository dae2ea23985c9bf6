"""Find dates and times in free announcement text and resolve them in Asia/Taipei."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from parsers.text import CN_NUMERAL, cn_to_int

TAIPEI = ZoneInfo("Asia/Taipei")
ROC_OFFSET = 1911  # ROC year 115 = 2026
END_OF_DAY = time(23, 59)

_NUM = rf"(?:\d{{1,2}}|{CN_NUMERAL})"
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_RELATIVE_DAYS = {"今": 0, "明": 1, "後": 2, "大後": 3}

_DATE = re.compile(
    r"""
    (?P<y>\d{2,4})\s*[/.\-年]\s*(?P<ym>\d{1,2})\s*[/.\-月]\s*(?P<yd>\d{1,2})\s*[日號]?
    | (?P<m>\d{1,2})\s*(?:/|月)\s*(?P<d>\d{1,2})(?!\d)\s*[日號]?
    | (?P<rel>大後|今|明|後)(?:天|日|晚)
    | (?P<week>本|這|下下|下)?\s*(?:週|周|星期|禮拜)(?P<wd>[一二三四五六日天])
    """,
    re.VERBOSE,
)
_TIME = re.compile(
    rf"""
    (?P<part>早上|上午|凌晨|清晨|中午|下午|傍晚|晚上|晚間|夜間|夜裡|半夜|今晚|明晚|晚|午)?\s*
    (?:(?P<h>\d{{1,2}})\s*:\s*(?P<mi>\d{{2}})
      |(?P<hc>{_NUM})\s*[點点時](?:\s*(?P<half>半)|\s*(?P<mc>\d{{1,2}}|{CN_NUMERAL})\s*分?)?
      |(?P<noon>中午|午夜))
    """,
    re.VERBOSE,
)
_PM_PARTS = ("下午", "傍晚", "晚上", "晚間", "夜間", "夜裡", "今晚", "明晚", "晚")


def _next_date(month: int, day: int, today: date) -> date | None:
    """Return the next occurrence of month/day on or after today (None if invalid)."""
    for year in (today.year, today.year + 1):
        try:
            found = date(year, month, day)
        except ValueError:
            continue
        if found >= today:
            return found
    return None


def find_date(text: str, today: date) -> tuple[date, int] | None:
    """Find the first date in text; return it with the index where it ends."""
    for match in _DATE.finditer(text):
        found = _date_of(match, today)
        if found is not None:
            return found, match.end()
    return None


def _date_of(match: re.Match[str], today: date) -> date | None:
    """Resolve one date match relative to today."""
    if match.group("y"):
        year = int(match.group("y"))
        year = year + ROC_OFFSET if year < 1000 else year
        try:
            return date(year, int(match.group("ym")), int(match.group("yd")))
        except ValueError:
            return None
    if match.group("m"):
        return _next_date(int(match.group("m")), int(match.group("d")), today)
    if match.group("rel"):
        return today + timedelta(days=_RELATIVE_DAYS[match.group("rel")])
    weekday = _WEEKDAYS[match.group("wd")]
    week = match.group("week") or ""
    monday = today - timedelta(days=today.weekday())
    if week in ("本", "這"):
        return monday + timedelta(days=weekday)
    if week == "下":
        return monday + timedelta(days=7 + weekday)
    if week == "下下":
        return monday + timedelta(days=14 + weekday)
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def find_time(text: str) -> time | None:
    """Find a clock time (20:00, 晚上8點, 中午12點, 十點半) in text."""
    for match in _TIME.finditer(text):
        found = _time_of(match)
        if found is not None:
            return found
    return None


def _time_of(match: re.Match[str]) -> time | None:
    """Resolve one time match, shifting 晚上/下午 to the afternoon."""
    part = match.group("part") or ""
    if match.group("noon"):
        return time(12, 0) if match.group("noon") == "中午" else END_OF_DAY
    if match.group("h") is not None:
        hour, minute = int(match.group("h")), int(match.group("mi"))
    else:
        hour_value = cn_to_int(match.group("hc"))
        if hour_value is None:
            return None
        hour = hour_value
        minute = 30 if match.group("half") else cn_to_int(match.group("mc") or "0") or 0
    if part in _PM_PARTS or (part in ("中午", "午") and hour < 6):
        if hour < 12:
            hour += 12
        elif hour == 12 and part != "中午":
            return END_OF_DAY  # 晚上12點: the end of that day
    if part == "半夜" and hour == 12:
        return END_OF_DAY
    if hour == 24 and minute == 0:
        return END_OF_DAY
    if not (0 <= hour < 24 and 0 <= minute < 60):
        return None
    return time(hour, minute)


def find_datetime(text: str, now: datetime) -> datetime | None:
    """Find a date (and time, else end of day) in text, as an aware Asia/Taipei datetime."""
    local = now.astimezone(TAIPEI)
    found = find_date(text, local.date())
    clock = find_time(text)
    if found is None:
        if clock is None:
            return None
        day = local.date()
        if datetime.combine(day, clock, TAIPEI) < local:
            day += timedelta(days=1)
        return datetime.combine(day, clock, TAIPEI)
    day, _ = found
    return datetime.combine(day, clock or END_OF_DAY, TAIPEI)


_WEEKDAY_NAMES = "一二三四五六日"
_WRITTEN_WEEKDAY = re.compile(r"\s*[(（]?\s*(?:週|周|星期|禮拜)?\s*(?P<wd>[一二三四五六日天])\s*[)）]")


def _when(moment: datetime) -> str:
    """Say a time the way the host wrote it: 12/1(二) 20:00."""
    return f"{moment.month}/{moment.day}({_WEEKDAY_NAMES[moment.weekday()]}) {moment:%H:%M}"


def _past(moment: datetime) -> str:
    """The problem sentence for a cutoff already past at posting time."""
    return f"截單時間 {_when(moment)} 已經過了：請改成還沒到的時間，例如「{_when(moment + timedelta(days=7))} 截單」"


def read_deadline(text: str, now: datetime) -> tuple[datetime | None, str | None]:
    """Read the cutoff in text: never in the past; a reading that cannot be right comes back as a problem."""
    local = now.astimezone(TAIPEI)
    today = local.date()
    clock = find_time(text)
    match = next((m for m in _DATE.finditer(text) if _date_of(m, today) is not None), None)
    if match is None:
        if clock is None:
            return None, None
        day = today if datetime.combine(today, clock, TAIPEI) > local else today + timedelta(days=1)
        return datetime.combine(day, clock, TAIPEI), None
    at = clock or END_OF_DAY
    if match.group("m"):
        return _month_day(match, text, local, at)
    found = _date_of(match, today)
    if found is None:
        return None, None
    moment = datetime.combine(found, at, TAIPEI)
    if match.group("wd") and moment <= local:
        moment += timedelta(days=7)  # 這週四 read on Saturday: the coming Thursday
    if moment <= local:
        return None, _past(moment)
    return moment, None


def _month_day(match: re.Match[str], text: str, local: datetime, at: time) -> tuple[datetime | None, str | None]:
    """Resolve 12/1 (with its written weekday, if any) to the first year where it is still ahead."""
    month, day = int(match.group("m")), int(match.group("d"))
    written = _WRITTEN_WEEKDAY.match(text, match.end())
    weekday = _WEEKDAYS[written.group("wd")] if written else None
    shown = f"{month}/{day}" + (f"({written.group('wd')})" if written else "")
    for year in (local.year, local.year + 1):
        try:
            moment = datetime.combine(date(year, month, day), at, TAIPEI)
        except ValueError:
            continue
        if moment <= local:
            continue
        if weekday is not None and moment.weekday() != weekday:
            actual = _WEEKDAY_NAMES[moment.weekday()]
            if year == local.year:
                reason = f"{month}/{day} 是星期{actual}"
            else:
                reason = f"今年的 {month}/{day} 已經過了，明年的 {month}/{day} 是星期{actual}"
            example = moment if year == local.year else datetime.combine(local.date() + timedelta(days=7), at, TAIPEI)
            return None, f"截單日期 {shown} 對不上：{reason}。請寫上正確的日期和星期，例如「{_when(example)} 截單」"
        return moment, None
    return None, f"截單日期 {shown} 看不懂或已經過了：請寫成「{_when(local + timedelta(days=7))} 截單」"
