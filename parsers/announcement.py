"""Read a host's group-buy announcement (開團公告) as a campaign: title, items, deadline, delivery."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from parsers.deadline import TAIPEI, find_date, find_datetime
from parsers.item_line import ItemLine, read_item_line
from parsers.text import fold_width, to_traditional

__all__ = ["AnnouncedItem", "Announcement", "AnnouncementError", "parse_announcement"]


@dataclass(frozen=True)
class AnnouncedItem:
    """One item on offer: its code, name, unit price, stock limit and unit."""

    code: str
    name: str
    price: int | None
    limit: int | None
    unit: str | None
    spec: str | None = None  # pack size as written: "50顆/包", "10入", "500g"


@dataclass(frozen=True)
class Announcement:
    """A parsed announcement: what is sold, until when, and when it arrives."""

    title: str
    items: tuple[AnnouncedItem, ...]
    deadline: datetime | None
    delivery_date: date | None


class AnnouncementError(ValueError):
    """The announcement cannot become a campaign; the message tells the host what to fix."""


NO_ITEMS = "看不到任何品項：請每行寫一個品項和價格，例如「A. 高麗菜水餃 $180/包」"
EMPTY = "公告是空的：請貼上完整的開團公告，包含品項和價格，例如「A. 高麗菜水餃 $180/包」"

_DEADLINE_WORD = re.compile(r"截單|截止|收單|結單|結團|截團|喊單到|下單到|訂購到|收到|統計到|登記到|只到")
_DELIVERY_WORD = re.compile(r"出貨|到貨|取貨|配送|寄出|送達|面交|領貨|發貨|交貨|發放|領取|抵達|送貨|到府")
_TITLE = re.compile(r"【([^】]+)】|\[([^\]]+)\]|《([^》]+)》")
_CLAUSE = re.compile(r"[,;。|]|\s{2,}")
_DECORATION = re.compile(r"^[^\w(（【\[]+|[^\w)）】\]!！]+$")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_PROSE = re.compile(r"大家好|哈囉|嗨|歡迎|謝謝|感謝|開團|預告|團購|規則|注意|說明|備註|[!?！？～~，,。：:]")


def parse_announcement(text: str, now: datetime) -> Announcement:
    """Parse an announcement, resolving relative dates against now in Asia/Taipei."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise AnnouncementError(EMPTY)
    local_now = now.replace(tzinfo=TAIPEI) if now.tzinfo is None else now.astimezone(TAIPEI)
    read = [(line, to_traditional(fold_width(line))) for line in lines]
    items = _items(read)
    if not items:
        raise AnnouncementError(NO_ITEMS)
    return Announcement(
        title=_title(read),
        items=items,
        deadline=_deadline(read, local_now),
        delivery_date=_delivery(read, local_now),
    )


def _title(read: list[tuple[str, str]]) -> str:
    """Return the text in 【】 near the top, else the first line that is not an item."""
    for original, _ in read[:5]:
        found = _TITLE.search(fold_width(original).replace("[", "[").replace("]", "]"))
        if found is None:
            found = _TITLE.search(original)
        if found is not None:
            return next(group for group in found.groups() if group).strip()
    for original, folded in read:
        if _DEADLINE_WORD.search(folded) or _DELIVERY_WORD.search(folded) or read_item_line(folded, original):
            continue
        return _DECORATION.sub("", original.strip()) or original.strip()
    return ""


def _items(read: list[tuple[str, str]]) -> tuple[AnnouncedItem, ...]:
    """Collect item lines, join a price written on the line below, and assign codes."""
    found: list[ItemLine] = []
    name_line: tuple[str, str] | None = None  # a line that may be an item name with its price below
    for original, folded in read:
        line = read_item_line(folded, original)
        if line is None:
            name_line = (original, folded) if _could_be_name(folded) else None
            continue
        if not line.name and name_line is not None and line.price is not None:
            joined = read_item_line(name_line[1] + " " + folded, name_line[0] + " " + original)
            if joined is not None and joined.name:
                found.append(joined)
        elif not line.name and found and (found[-1].price is None or line.price is None):
            found[-1] = found[-1].merged_with(line)
        elif line.name:
            found.append(line)
        name_line = None
    priced_labels = {line.label_kind for line in found if line.price is not None}
    kept = [line for line in found if line.price is not None or (line.label and line.label_kind in priced_labels)]
    return _assign_codes(kept)


def _could_be_name(folded: str) -> bool:
    """Tell whether a line without a price could be an item name whose price sits below it."""
    text = folded.strip()
    return (
        0 < len(text) <= 24
        and _TITLE.search(text) is None
        and not _DEADLINE_WORD.search(text)
        and not _DELIVERY_WORD.search(text)
        and not _PROSE.search(text)
    )


def _assign_codes(lines: list[ItemLine]) -> tuple[AnnouncedItem, ...]:
    """Give each item its label as code; unlabeled or repeated ones get the next free letter."""
    used = {line.label for line in lines if line.label}
    taken: set[str] = set()
    free = (letter for letter in _LETTERS if letter not in used)
    items: list[AnnouncedItem] = []
    for line in lines:
        code = line.label
        if not code or code in taken:
            code = next(free, str(len(items) + 1))
        taken.add(code)
        items.append(AnnouncedItem(code, line.name, line.price, line.limit, line.unit, line.spec))
    return tuple(items)


def _clauses_with(read: list[tuple[str, str]], word: re.Pattern[str]) -> list[str]:
    """Return each clause holding word, followed by the next line (dates often sit below)."""
    clauses = []
    for index, (_, folded) in enumerate(read):
        for clause in _CLAUSE.split(folded):
            if word.search(clause):
                clauses.append(clause)
                if index + 1 < len(read):
                    clauses.append(clause + " " + read[index + 1][1])
    return clauses


def _deadline(read: list[tuple[str, str]], now: datetime) -> datetime | None:
    """Find the cutoff time in a clause that mentions 截單/收單/截止."""
    for clause in _clauses_with(read, _DEADLINE_WORD):
        found = find_datetime(clause, now)
        if found is not None:
            return found
    return None


def _delivery(read: list[tuple[str, str]], now: datetime) -> date | None:
    """Find the delivery, pickup or shipping date in a clause that mentions one."""
    for clause in _clauses_with(read, _DELIVERY_WORD):
        if _DEADLINE_WORD.search(clause) and not _DELIVERY_WORD.search(_DEADLINE_WORD.split(clause)[-1]):
            continue
        found = find_date(_DEADLINE_WORD.split(clause)[-1], now.date())
        if found is not None:
            return found[0]
    return None
