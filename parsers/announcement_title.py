"""Find an announcement's title: a PTT 標題 line, text in 【】, else the first line that reads as one."""

from __future__ import annotations

import re
from collections.abc import Callable

from parsers.text import fold_width

__all__ = ["name_from_title", "read_title"]

_PTT_TITLE = re.compile(r"^\s*標題\s*[:：]\s*(?P<rest>.+)$")
_PTT_TAG = re.compile(
    r"^\s*[\[【(]\s*(?:合購|無主|團購|代購|揪團|截止|徵求)\s*[\]】)]\s*(?:(?:食物|衣飾|寵物|票券|綜合|週慶|美妝|3C|其他)\s+)?"
)
_PTT_CLOSING = re.compile(r"\s*[(（][^()（）]*[)）]\s*$")
_BRACKETED = re.compile(r"【([^】]+)】|\[([^\]]+)\]|《([^》]+)》")
_FIELD = re.compile(
    r"合購物品|品項|商品|品名|收單|截單|截止|到貨|出貨|取貨|面交|運費|雜費|付款|匯款|價格|規則|注意|備註|說明|網址|日期|時間|地點|數量|郵寄"
)
_NOT_TITLE = re.compile(
    r"^\s*(?:作者|看板|時間|標題|發信站)\s*[:：]|大家好|哈囉|嗨|各位|歡迎|謝謝|感謝|留言|喊單|\+1|^[^\w]*$|^[^\s:：]{1,8}\s*[:：]"
)
_DECORATION = re.compile(r"^[^\w(（【\[]+|[^\w)）】\]!！]+$")
_TITLE_PREFIX = re.compile(r"^(?:本週|這週|本周)?(?:團購|開團|合購|揪團)\s*[:：]\s*")
_NAME_SUFFIX = re.compile(r"\s*報名$|\s+(?:團購|開團|預購|代購|合購|團)$")
_EMOJI = re.compile(r"\s*[\U0001F000-\U0001FAFF\u2600-\u27BF\ufe0f]+\s*")


def read_title(lines: list[tuple[str, str]], is_other: Callable[[str, str], bool]) -> str:
    """Return the title; is_other(original, folded) tells lines that are items, deadlines or deliveries."""
    for original, _ in lines[:5]:
        found = _PTT_TITLE.match(fold_width(original))
        if found is not None:
            rest = _PTT_CLOSING.sub("", _PTT_TAG.sub("", found.group("rest"))).strip()
            if rest:
                return rest
    for original, _ in lines[:5]:
        text = fold_width(original)
        found = _BRACKETED.search(text)
        if found is None or _PTT_TAG.match(found.group()):
            continue
        inner = next(group for group in found.groups() if group).strip()
        if _FIELD.search(inner) and text[found.end() :].strip():
            continue  # 【收單日期】12/3: a field label, not the title
        return inner
    for original, folded in lines:
        if _TITLE_PREFIX.match(_DECORATION.sub("", original.strip())):
            return _TITLE_PREFIX.sub("", _DECORATION.sub("", original.strip())).strip()
        if _NOT_TITLE.search(folded) or is_other(original, folded):
            continue
        title = _DECORATION.sub("", original.strip()) or original.strip()
        return _EMOJI.sub(" ", _TITLE_PREFIX.sub("", _PTT_TAG.sub("", title))).strip()
    return ""


def name_from_title(title: str) -> str:
    """Name the one item of a post from its title: 刷毛保暖褲 團購 -> 刷毛保暖褲."""
    return _NAME_SUFFIX.sub("", title.strip()).strip() or title.strip()
