"""What an announcement says about an item besides its price: caps, minimums, choices, stock lines."""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.comment_lexer import UNITS
from parsers.text import CN_NUMERAL, cn_to_int

__all__ = [
    "VariantLine",
    "find_inline_variants",
    "find_minimum",
    "find_per_member",
    "read_name_list",
    "read_parallel_prices",
    "read_stock_line",
    "read_variant_line",
]

_N = rf"\d{{1,5}}|{CN_NUMERAL}"
_PER_MEMBER = re.compile(
    rf"(?:(?:每人|每位|每個人|一人|每戶|每單|每帳號|每ID)\s*(?:每款|每樣|每種)?\s*(?:限購|限買|限訂|最多|限)"
    rf"|限購|限買)\s*[:=]?\s*(?P<n>{_N})\s*[^\d\s,;，。]?"
)
_MINIMUM = re.compile(
    rf"(?:(?:滿|需滿|須滿|最低|至少|最少)\s*(?P<a>{_N})\s*[^\d\s,;，。]?\s*(?:才|就|即)?\s*(?:成團|開團|出團|開)"
    rf"|(?P<b>\d{{1,5}})\s*[^\d\s,;，。]?\s*成團"
    rf"|(?:最低成團|成團)(?:數量|門檻|量)?\s*[:=]\s*(?P<c>{_N}))"
)
# A run of short choices separated by / or 、: 原味/辣味, (粉/藍/黃), S/M/L.
_CHOICES = re.compile(
    r"(?:(?<=[\s(])|^)(?P<v>[^\s/、()\d$,]{1,6}(?:\s{0,2}[/、]\s{0,2}[^\s/、()\d$,]{1,6})+)(?=[\s)]|$)"
)
_VARIANT_LINE = re.compile(
    r"^[^\w]*(?:可選|選擇)?(?:口味|規格|尺寸|尺碼|顏色|款式|種類|味道|花色|甜度)\s*[:=]?\s*(?P<rest>.+)$"
)
_PART_LIMIT = re.compile(rf"^(?P<name>.*?)\s*\(?\s*(?:限量|限|剩)\s*(?P<n>{_N})\s*[^\d\s)]?\s*\)?$")
_STOCK = re.compile(rf"(?<![每人單購])(?:限量|數量限定|僅有|只有|名額|限額)\s*[:=]?\s*(?P<n>{_N})\s*(?P<u>[{UNITS}雙]?)")
_PARALLEL = re.compile(r"^[^\w]*(?:價格|售價|價錢|單價|團購價)\s*[:=]?\s*(?P<list>\$?\d+(?:\s*[/、]\s*\$?\d+)+)\s*元?\s*$")
_NAME_LIST = re.compile(r"^[^\w]*(?:品項|品名|商品)\s*[:=]\s*(?P<list>[^\d$]+?(?:[、,/][^\d$]+?)+)\s*$")


@dataclass(frozen=True)
class VariantLine:
    """A line listing an item's choices, with per-choice stock where written."""

    variants: tuple[str, ...]
    limits: tuple[tuple[str, int], ...]


def _number(text: str | None) -> int | None:
    """Read digits or a Chinese numeral."""
    return cn_to_int(text) if text else None


def find_per_member(text: str) -> tuple[int | None, tuple[int, int] | None]:
    """Find a per-member cap (每人限購2, 每單限5顆) and where it stands."""
    match = _PER_MEMBER.search(text)
    if match is None:
        return None, None
    return _number(match.group("n")), match.span()


def find_minimum(text: str) -> tuple[int | None, tuple[int, int] | None]:
    """Find a minimum to go ahead (滿100個成團, 50盒成團) and where it stands."""
    match = _MINIMUM.search(text)
    if match is None:
        return None, None
    return _number(match.group("a") or match.group("b") or match.group("c")), match.span()


def find_inline_variants(text: str) -> tuple[tuple[str, ...], tuple[int, int] | None]:
    """Find choices written on an item line (原味/辣味, (粉/藍/黃))."""
    for match in _CHOICES.finditer(text):
        parts = tuple(part.strip() for part in re.split(r"[/、]", match.group("v")))
        if all(parts) and len(set(parts)) == len(parts):
            return parts, match.span("v")
    return (), None


def read_variant_line(text: str) -> VariantLine | None:
    """Read 口味：原味、辣味 / 尺寸 S/M/L / 口味：草莓(限10)、藍莓(限8) as a choice list."""
    match = _VARIANT_LINE.match(text.strip())
    if match is None:
        return None
    parts = [part.strip() for part in re.split(r"[/、,，;]|\s+(?=\S)", match.group("rest")) if part.strip()]
    names: list[str] = []
    limits: list[tuple[str, int]] = []
    for part in parts:
        limited = _PART_LIMIT.match(part)
        if limited is not None and limited.group("name"):
            name, count = limited.group("name").strip(), _number(limited.group("n"))
            names.append(name)
            if count is not None:
                limits.append((name, count))
        elif re.search(r"\d|\$", part) is None:
            names.append(part)
        else:
            return None
    if len(names) < 2:
        return None
    return VariantLine(tuple(names), tuple(limits))


def read_stock_line(text: str) -> tuple[int, str | None] | None:
    """Find a stock limit standing in a line that is not an item (限量 25 盒，賣完就沒了)."""
    match = _STOCK.search(text)
    if match is None:
        return None
    count = _number(match.group("n"))
    if count is None:
        return None
    return count, match.group("u") or None


def read_parallel_prices(text: str) -> list[int] | None:
    """Read 價格：90/120/150, prices for the items listed before it, in order."""
    match = _PARALLEL.match(text.strip())
    if match is None:
        return None
    return [int(amount.strip(" $")) for amount in re.split(r"[/、]", match.group("list"))]


def read_name_list(text: str) -> list[str] | None:
    """Read 品項：紅豆冰棒、綠豆冰棒 as item names whose prices follow on a 價格 line."""
    match = _NAME_LIST.match(text.strip())
    if match is None:
        return None
    return [name.strip() for name in re.split(r"[、,/]", match.group("list")) if name.strip()]
