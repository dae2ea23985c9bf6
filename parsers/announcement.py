"""Read a host's group-buy announcement (開團公告) as a campaign: title, items, deadline, delivery."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from parsers.announcement_items import ItemDraft, read_items
from parsers.announcement_title import read_title
from parsers.deadline import TAIPEI, find_date, read_deadline
from parsers.item_line import read_item_line
from parsers.text import fold_width, to_traditional
from parsers.tiers import Tier

__all__ = ["AnnouncedItem", "Announcement", "AnnouncementError", "Tier", "parse_announcement"]


@dataclass(frozen=True)
class AnnouncedItem:
    """One item on offer: its code, name, unit price, stock limit and unit, and what else the post says of it."""

    code: str
    name: str
    price: int | None
    limit: int | None
    unit: str | None
    spec: str | None = None  # pack size as written: "50顆/包", "10入", "500g"
    variants: tuple[str, ...] = ()  # 規格/口味/尺寸 choices: ("原味", "辣味")
    tiers: tuple[Tier, ...] = ()  # bundle prices: 2包420元 -> Tier(2, 420)
    per_member_limit: int | None = None  # 每人限購2: a cap per member, not stock
    minimum: int | None = None  # 滿100個成團
    variant_limits: tuple[tuple[str, int], ...] = ()  # stock per choice: (("草莓", 10),)


@dataclass(frozen=True)
class Announcement:
    """A parsed announcement: what is sold, until when, when it arrives, and what the host must fix."""

    title: str
    items: tuple[AnnouncedItem, ...]
    deadline: datetime | None
    delivery_date: date | None
    problems: tuple[str, ...] = ()  # zh-TW sentences naming a missing or contradictory field and the fix


class AnnouncementError(ValueError):
    """The announcement cannot become a campaign; the message tells the host what to fix."""


NO_ITEMS = "看不到任何品項：請每行寫一個品項和價格，例如「A. 高麗菜水餃 $180/包」"
EMPTY = "公告是空的：請貼上完整的開團公告，包含品項和價格，例如「A. 高麗菜水餃 $180/包」"

_DEADLINE_WORD = re.compile(
    r"截單|截止|收單|結單|結團|截團|喊單到|下單到|訂購到|收到|統計到|登記到|只到|即日起至|至\s*\d{1,2}\s*/\s*\d{1,2}\s*止"
)
_DELIVERY_WORD = re.compile(r"出貨|到貨|取貨|配送|寄出|送達|面交|領貨|發貨|交貨|發放|領取|抵達|送貨|到府")
_CLAUSE = re.compile(r"[,;。|]|\s{2,}")


def parse_announcement(text: str, now: datetime) -> Announcement:
    """Parse an announcement, resolving relative dates against now in Asia/Taipei."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise AnnouncementError(EMPTY)
    local_now = now.replace(tzinfo=TAIPEI) if now.tzinfo is None else now.astimezone(TAIPEI)
    read = [(line, to_traditional(fold_width(line))) for line in lines]
    title = read_title(read, _is_other)
    drafts, problems = read_items(read, title)
    if not drafts:
        raise AnnouncementError(NO_ITEMS)
    items = tuple(_item(draft) for draft in drafts)
    deadline, deadline_problem = _deadline(read, local_now)
    if deadline_problem:
        problems.append(deadline_problem)
    return Announcement(
        title=title,
        items=items,
        deadline=deadline,
        delivery_date=_delivery(read, local_now),
        problems=tuple(problems),
    )


def _item(draft: ItemDraft) -> AnnouncedItem:
    """Turn a draft read from the lines into the item the campaign offers."""
    line = draft.line
    return AnnouncedItem(
        draft.code, line.name, line.price, line.limit, line.unit, line.spec,
        variants=line.variants, tiers=line.tiers, per_member_limit=line.per_member_limit, minimum=line.minimum,
        variant_limits=draft.variant_limits or line.variant_limits,
    )


def _is_other(original: str, folded: str) -> bool:
    """Tell a line that is an item, a deadline or a delivery (so not a title)."""
    return bool(_DEADLINE_WORD.search(folded) or _DELIVERY_WORD.search(folded) or read_item_line(folded, original))


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


def _deadline(read: list[tuple[str, str]], now: datetime) -> tuple[datetime | None, str | None]:
    """Find the cutoff in a clause that mentions 截單/收單/截止, or the problem with it."""
    for clause in _clauses_with(read, _DEADLINE_WORD):
        found, problem = read_deadline(clause, now)
        if found is not None or problem is not None:
            return found, problem
    return None, None


def _delivery(read: list[tuple[str, str]], now: datetime) -> date | None:
    """Find the delivery, pickup or shipping date in a clause that mentions one."""
    for clause in _clauses_with(read, _DELIVERY_WORD):
        if _DEADLINE_WORD.search(clause) and not _DELIVERY_WORD.search(_DEADLINE_WORD.split(clause)[-1]):
            continue
        found = find_date(_DEADLINE_WORD.split(clause)[-1], now.date())
        if found is not None:
            return found[0]
    return None
