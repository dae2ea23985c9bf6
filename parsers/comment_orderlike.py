"""Whether a comment looks like an order, judged on its surface alone: the yardstick for "never silently ignored".

Deliberately cruder than the grammar, so that it can disagree with it. After folding (width, script, case) and
blanking what is never a quantity (phones, dates, times, money, pack sizes), a comment is order-like when it is
not a question, an opinion or a payment report, and it holds one of:

1. a quantity operator before a number from 1 to 9999 (``+1``, ``＋２``, ``x3``, ``*2``, ``加一``, ``減1``, ``十1``,
   ``改3``), or a count with its unit (``兩包``, ``3 2盒``);
2. an item reference (a campaign code standing alone, ``#3``, ``3號``, ``第3項``, an item name or a variant) with
   a count next to it (``A 2``, ``高麗菜兩包``, ``3號 2份``, ``A1``);
3. nothing but item references (``#3``, ``#2 #4``, ``3.``), or items under a ``下單`` header;
4. "the same as above" (``同上``, ``同樓上``) or a swap (``把B換成C``, ``B換C``).

A cancel (``取消``) is an order too, but "ignored" can only happen to something that adds, so it is not counted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from parsers.comment_lexer import NOT_QUANTITY, UNITS
from parsers.item_match import ItemLike
from parsers.text import CN_NUMERAL, match_key, normalize

_QUESTION = re.compile(
    r"\?|嗎|呢|怎麼|如何|多少|什麼|甚麼|何時|哪|可否|能否|有沒有|是不是|會不會|可不可以|能不能|請問|想問|問一下"
    r"|覺得|認為|同意|贊成|附議"
)
_PAID = re.compile(r"已匯|匯了|已轉|轉了|已付|付款了|後五碼|末五碼|後5碼|末5碼|帳號末|帳號後|(?<![晚點等天後再會])匯款")
_NUMBER = rf"(?:0*[1-9]\d{{0,3}}|{CN_NUMERAL})"
_OPERATOR = re.compile(
    rf"(?:[+*×X加減]|(?<![^A-Z\s\u4e00-\u9fff])-|改成|改為|改)\s*{_NUMBER}(?!\d)"
    rf"|(?<![{CN_NUMERAL[1:-2]}])十\s*[1-9]\d{{0,3}}(?!\d)"
    rf"|(?<![\d.])\d{{1,3}}\s+{_NUMBER}\s*[{UNITS}]|{_NUMBER}\s*[{UNITS}]"
)
_COUNT = rf"(?:{_NUMBER}\s*[{UNITS}]?)"
_REF = r"(?:\#\s*\d{1,3}|(?<!\d)\d{1,3}\s*號|第\s*\S{1,3}\s*項|(?<![^\s])\d{1,2}\s*\.(?!\d))"
_HEADER = re.compile(r"\s*(?:我要)?(?:下單|喊單|訂購|訂單)")
_SAME_OR_SWAP = re.compile(r"同上|同樓上|跟樓上|樓上\s*\+|換成|換為")


def looks_like_order(text: str, items: Sequence[ItemLike]) -> bool:
    """Whether a member's comment looks like an order for these items (see the module docstring)."""
    folded = NOT_QUANTITY.sub(" ", normalize(text))
    if _QUESTION.search(folded) or _PAID.search(folded):
        return False
    if _OPERATOR.search(folded) or _SAME_OR_SWAP.search(folded):
        return True
    refs = _references(items)
    if re.search(rf"(?:{refs})\s*各?\s*{_COUNT}(?!\d)|(?<!\d){_COUNT}\s*(?:{refs})", folded):
        return True
    if (_HEADER.match(folded) and re.search(refs, folded)) or re.search(rf"(?:{refs})\s*換\s*(?:{refs})", folded):
        return True
    return bool(re.fullmatch(rf"(?:[\s、,，]|{_REF})*{_REF}[\s、,，]*", folded))


def _references(items: Sequence[ItemLike]) -> str:
    """Return a pattern for any reference to these items: codes, numbers, names, name cores, variants."""
    words = {match_key(item.name) for item in items}
    for item in items:
        key = match_key(item.name)
        words |= {key[:2], key[-2:], key[-3:]}
    words |= {match_key(v) for item in items for v in getattr(item, "variants", ()) or ()}
    codes = "".join(re.escape(item.code.upper()) for item in items if item.code.isalpha())
    parts = [_REF, *(re.escape(word) for word in sorted(words, key=len, reverse=True) if word)]
    if codes:
        parts.append(rf"(?<![A-Z])[{codes}](?![A-Z])|(?<![A-Z])[{codes}]+(?=\s*各)")
    return "|".join(parts)
