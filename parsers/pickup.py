"""Read the pickup information a host writes under ``/到貨``: place, time (as written), first pickup day, deadline.

Hosts write it labelled (``取貨地點：社區管理室``, ``取貨時間：12/8(二) 18:00-21:00``, ``取貨期限 12/10``) or free
(``地點 7-11 文心門市``, ``明天下午3點後到 大樓交誼廳領取``). A deadline without a clock time means the end of that day
(23:59 Taipei). Dates without a year are the nearest such day (12/1 written on 12/30 is the 1st just past, 1/2 the
coming January); ROC years (115/12/10) and 明天/週二 are read as ``parsers.deadline`` reads them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from parsers.deadline import END_OF_DAY, TAIPEI, find_date, find_time
from parsers.text import fold_width

MAX_FIELD = 200
_KINDS = {
    "place": r"(?:取貨|領取|領貨|自取|面交|交貨)?(?:地點|地址|位置)",
    "time": r"(?:取貨|領取|領貨|自取|面交|交貨)?(?:時間|日期|時段)",
    "deadline": r"(?:取貨|領取|領貨|自取)?(?:期限|截止(?:日|時間)?)|最晚(?:取貨|領取)?|保留(?:到|至)",
}
_LABEL = re.compile(
    r"^(?:(?P<place>" + _KINDS["place"] + r")|(?P<time>" + _KINDS["time"] + r")|(?P<deadline>" + _KINDS["deadline"]
    + r"))\s*(?:[:：]\s*|\s+|(?=\d))(?P<value>.+)$"
)
# 明天下午3點後到 大樓交誼廳領取 / 12/8 晚上7點在管理室取貨: a time, then where.
_WHEN_WHERE = re.compile(
    r"^(?P<when>.+?)\s*(?:到(?!貨)|在|於|至)\s*(?P<where>[^\d\s].*?)\s*(?:領取|領貨|取貨|自取|拿)?[。!！~～]*$"
)
_BEFORE = re.compile(r"(?:前|以前|之前)\s*(?:取貨|領取|取完|領完|來拿)")  # 請於 12/10 前取貨
_CHATTER = ("謝謝", "感謝", "辛苦", "喔", "哦", "唷", "囉", "哈")
_LEAD = re.compile(r"^[\W_]+")  # 📍・- decorations before a label
_EXPLICIT_YEAR = re.compile(r"\d{2,4}\s*[/.\-年]\s*\d{1,2}\s*[/.\-月]\s*\d{1,2}")


@dataclass(frozen=True)
class Pickup:
    """What the host wrote about picking up; ``problems`` are zh-TW sentences saying what to fix."""

    place: str | None = None
    time_text: str | None = None  # as written: 12/8(二) 18:00-21:00
    pickup_date: date | None = None  # the first pickup day, when one could be read
    deadline: datetime | None = None  # aware, Asia/Taipei
    problems: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """Return True when nothing about the pickup was written."""
        return self.place is None and self.time_text is None and self.deadline is None


def _nearest_date(text: str, today: date) -> date | None:
    """Return the first date in text; a month/day without a year is the nearest such day to today."""
    found = find_date(text, today)
    if found is None:
        return None
    day = found[0]
    if day - today > timedelta(days=183) and not _EXPLICIT_YEAR.search(text):
        try:
            day = day.replace(year=day.year - 1)
        except ValueError:  # 2/29
            day = day - timedelta(days=365)
    return day


def _clean(value: str) -> str | None:
    """Trim a field to what is worth storing."""
    value = value.strip(" \t:：,，、。")
    return value[:MAX_FIELD] or None


def _when(moment: datetime) -> str:
    """Say a moment the way hosts write it: 12/10(四) 23:59."""
    return f"{moment.month}/{moment.day}({'一二三四五六日'[moment.weekday()]}) {moment:%H:%M}"


def parse_pickup(text: str, now: datetime) -> Pickup:
    """Read the pickup information in ``text`` written at ``now`` (the arrival); never raises."""
    local = now.astimezone(TAIPEI)
    today = local.date()
    place: str | None = None
    time_text: str | None = None
    deadline_text: str | None = None
    loose: list[str] = []
    for raw in text.splitlines():
        line = _LEAD.sub("", fold_width(raw.replace("︰", ":")).strip()).strip()  # NFKC makes ︰ two dots
        if not line:
            continue
        found = _LABEL.match(line)
        if found is not None:
            kind = next(k for k in ("place", "time", "deadline") if found.group(k))
            value = _clean(found.group("value"))
            if kind == "place" and place is None:
                place = value
            elif kind == "time" and time_text is None:
                time_text = value
            elif kind == "deadline" and deadline_text is None:
                deadline_text = value
            continue
        if _BEFORE.search(line) and deadline_text is None and _nearest_date(line, today) is not None:
            deadline_text = line
            continue
        loose.append(line)
    for line in loose:
        dated = _nearest_date(line, today) is not None or find_time(line) is not None
        split = _WHEN_WHERE.match(line) if dated else None
        if split is not None and (_nearest_date(split["when"], today) or find_time(split["when"])) \
                and find_time(split["where"]) is None and _nearest_date(split["where"], today) is None:
            time_text = time_text or _clean(split["when"])
            place = place or _clean(split["where"])
        elif dated:
            time_text = time_text or _clean(line)
        elif place is None and len(line) <= 60 and not any(word in line for word in _CHATTER):
            place = _clean(re.sub(r"(?:領取|取貨|自取)$", "", line))
    pickup_date = _nearest_date(time_text, today) if time_text else None
    if pickup_date is None and time_text and find_time(time_text) is not None:
        pickup_date = today
    deadline, problems = _deadline(deadline_text, local, pickup_date)
    return Pickup(place=place, time_text=time_text, pickup_date=pickup_date, deadline=deadline, problems=problems)


def _deadline(text: str | None, local: datetime, pickup_date: date | None) -> tuple[datetime | None, tuple[str, ...]]:
    """Resolve the deadline text; refuse one that is unreadable, already past, or before the first pickup day."""
    if not text:
        return None, ()
    day = _nearest_date(text, local.date())
    clock = find_time(text)
    if day is None and clock is None:
        return None, (f"看不懂取貨期限「{text[:20]}」：請寫成「取貨期限 12/10」或「取貨期限 12/10 21:00」。",)
    moment = datetime.combine(day or pickup_date or local.date(), clock or END_OF_DAY, TAIPEI)
    example = _when(datetime.combine(max(local.date(), pickup_date or local.date()) + timedelta(days=3), END_OF_DAY,
                                     TAIPEI))
    if moment <= local:
        return None, (f"取貨期限 {_when(moment)} 已經過了（到貨是 {_when(local)}）：請寫還沒到的日期，"
                      f"例如「取貨期限 {example[:-6]}」。",)
    if pickup_date is not None and moment.date() < pickup_date:
        return None, (f"取貨期限 {_when(moment)} 比開始取貨的 {pickup_date.month}/{pickup_date.day} 還早："
                      f"請確認日期，例如「取貨期限 {example[:-6]}」。",)
    return moment, ()


def default_deadline(arrived: datetime, pickup_date: date | None, days: int) -> datetime:
    """Return the end of the day ``days`` days after the first pickup day (or the arrival)."""
    start = pickup_date or arrived.astimezone(TAIPEI).date()
    return datetime.combine(start + timedelta(days=days), time(23, 59), TAIPEI)
