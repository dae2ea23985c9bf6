"""Bundle prices written beside a unit price: 2包420元, 3盒999, 兩盒$500, 一組2條150元, 買5送1."""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.comment_lexer import UNITS
from parsers.text import cn_to_int

__all__ = ["PACK", "Tier", "TierMatch", "buy_get_tiers", "find_tiers"]

# Weights (斤) are pack sizes, not bundle counts: "3斤 $150" is one bag of 3 斤.
_COUNT_UNITS = UNITS.replace("斤", "") + "雙"
_Q = r"\d{1,3}|[兩二三四五六七八九十]+"
_AMOUNT = r"\d{1,3}(?:,\d{3})+|\d+"

_TIER = re.compile(
    rf"(?:[一每](?:組|套)\s*)?(?P<q>{_Q})\s*(?P<u>[{_COUNT_UNITS}入])\s*(?:只要|共|合計)?\s*(?:NT\s*)?\$?\s*(?P<a>{_AMOUNT})\s*元?"
)
# A pack size written before its price: 一箱24瓶 $960, 一盒6入.
PACK = re.compile(
    rf"(?P<pack>[一每]\s*(?P<pu>[{_COUNT_UNITS}])\s*(?P<pq>\d{{1,3}})\s*(?:[{_COUNT_UNITS}]|入))"
    rf"(?:\s*(?:只要|特價|售價)?\s*(?:NT\s*)?\$?\s*(?P<pa>{_AMOUNT})(?!\s*[{_COUNT_UNITS}入])\s*元?)?"
)
_BUY_GET = re.compile(r"買\s*(?P<buy>\d{1,3}|[一二兩三四五六七八九十]+)\s*送\s*(?P<free>\d{1,3}|[一二兩三四五六七八九十]+)")


@dataclass(frozen=True)
class Tier:
    """A bundle: qty units for price (TWD) in all."""

    qty: int
    price: int


@dataclass(frozen=True)
class TierMatch:
    """Where a bundle price was written, and what it says."""

    span: tuple[int, int]
    qty: int
    price: int
    unit: str


def find_tiers(text: str) -> list[TierMatch]:
    """Find quantity-and-amount bundles (2包420元) in upper-cased folded text."""
    found = []
    for match in _TIER.finditer(text):
        qty = cn_to_int(match.group("q"))
        if qty is None or qty < 2:
            continue
        found.append(TierMatch(match.span(), qty, int(match.group("a").replace(",", "")), match.group("u")))
    return found


def buy_get_tiers(text: str, unit_price: int) -> tuple[list[Tier], list[tuple[int, int]]]:
    """Turn 買5送1 into the bundle it means (6 for the price of 5) and where it stood."""
    tiers, spans = [], []
    for match in _BUY_GET.finditer(text):
        buy, free = cn_to_int(match.group("buy")), cn_to_int(match.group("free"))
        if buy and free:
            tiers.append(Tier(buy + free, buy * unit_price))
            spans.append(match.span())
    return tiers, spans
