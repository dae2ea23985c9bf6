"""Read the host's ``/缺貨`` arguments: an optional campaign number, an item (code or name, with a variant), a count.

``/缺貨 C 5``, ``/缺貨 A辣味 2``, ``/缺貨 高麗菜水餃 3``, and with a campaign number first when several campaigns
could be meant: ``/缺貨 第3團 C 5``, ``/缺貨 #3 C 5`` or ``/缺貨 3 C 5`` (a bare number is the 團號 only when an
item follows it). The count may carry a unit (``5包``) or be a Chinese numeral (``五``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from parsers.item_match import ItemLike, ItemMatcher
from parsers.text import CN_NUMERAL, cn_to_int, fold_width, match_key

MAX_SHORTAGE = 9999
_UNIT = r"(?:包|盒|顆|份|個|組|件|袋|瓶|罐|箱|條|片|支|斤|入|杯|串|粒|隻|塊|桶)?"
_COUNT = re.compile(rf"^(?P<head>.*?)[\sxX×*]*(?P<qty>\d+|{CN_NUMERAL}){_UNIT}$")
_CAMPAIGN = re.compile(r"^(?:(?:#|第)\s*(?P<marked>\d+)\s*團?|(?P<suffixed>\d+)\s*團|(?P<bare>\d+))$")


class ShortageArgsError(ValueError):
    """The arguments could not be read; the message says what is missing (zh-TW)."""


@dataclass(frozen=True)
class ShortageArgs:
    """What ``/缺貨`` asked: the item as typed, how many fewer, and the 團號 part ("" when none)."""

    item: str
    qty: int
    campaign: str = ""


def parse_shortage_args(text: str) -> ShortageArgs:
    """Read ``[團號] 品項 數量``; raise ShortageArgsError when the item or the count is missing or not a count."""
    words = fold_width(text).split()
    if not words:
        raise ShortageArgsError("請告訴我缺哪一項、缺幾份")
    found = _COUNT.match(words[-1])
    if found is None or not found["qty"]:
        raise ShortageArgsError(f"最後要寫缺幾份，看不懂「{words[-1][:20]}」")
    qty = cn_to_int(found["qty"])
    if qty is None or qty <= 0 or qty > MAX_SHORTAGE:
        raise ShortageArgsError(f"缺貨數量要在 1 到 {MAX_SHORTAGE} 之間")
    words = [*words[:-1], found["head"]] if found["head"] else words[:-1]
    campaign = ""
    if len(words) >= 2 and (number := _CAMPAIGN.match(words[0])) is not None:
        campaign = number["marked"] or number["suffixed"] or number["bare"]
        words = words[1:]
    elif len(words) == 1 and (number := _CAMPAIGN.match(words[0])) is not None and not number["bare"]:
        raise ShortageArgsError("團號後面要寫缺哪一項")
    item = " ".join(words).strip()
    if not item:
        raise ShortageArgsError("請告訴我缺哪一項")
    return ShortageArgs(item=item[:40], qty=qty, campaign=campaign)


@dataclass(frozen=True)
class ItemPick:
    """Which item (and variant) the host meant: one, several candidates, or none."""

    kind: Literal["item", "ambiguous", "unknown"]
    code: str | None = None
    variant: str | None = None
    codes: tuple[str, ...] = ()


def pick_item(text: str, items: Sequence[ItemLike]) -> ItemPick:
    """Resolve ``C``, ``3``, ``A辣味``, ``辣味A``, ``高麗菜水餃 辣`` or a partial name to an item and variant.

    Matching is the comment parser's (``parsers.item_match``): codes, positions, partial and misspelt names, and
    variant names with their short forms (辣 for 辣味).
    """
    matcher = ItemMatcher(items)
    key = match_key(text)
    if not key:
        return ItemPick("unknown")
    if key in matcher.codes:
        return ItemPick("item", key)
    for form in sorted(matcher.variant_keys, key=len, reverse=True):
        if key == form:
            codes = tuple(dict.fromkeys(code for code, _ in matcher.variant_keys[form]))
            if len(codes) == 1:
                return ItemPick("item", codes[0], matcher.variant_for(codes[0], form))
            return ItemPick("ambiguous", codes=codes)
        rest = key[: -len(form)] if key.endswith(form) else key[len(form):] if key.startswith(form) else ""
        if not rest:
            continue
        head = _item_of(matcher, rest)
        variant = matcher.variant_for(head.code, form) if head.code is not None else None
        if variant is not None:
            return ItemPick("item", head.code, variant)
    return _item_of(matcher, key)


def _item_of(matcher: ItemMatcher, key: str) -> ItemPick:
    """Resolve a key without a variant: a code, an item number, else a name."""
    if key in matcher.codes:
        return ItemPick("item", key)
    match = matcher.by_number(int(key)) if key.isdigit() else matcher.by_name(key)
    if match.kind == "item" and len(match.codes) == 1:
        return ItemPick("item", match.codes[0], match.variant)
    if match.kind in ("item", "ambiguous") and match.codes:
        return ItemPick("ambiguous", codes=match.codes)
    return ItemPick("unknown")
