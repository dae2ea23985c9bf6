"""Tell a person's name in a comment (代訂, ordering for someone else) from items, fillers and chit-chat.

Two ways a name comes: after a marker (``幫小明+1``, ``代訂 王媽媽 A+2``), where anything that is neither the
member themself nor an item is the name; or on its own (``+1 小明``, ``小明 A+2``, a name on its own line), where
only what looks like a person counts: 小/阿/老 + one or two characters, a kinship or title suffix (王媽媽, 陳姐,
林老師), a kin word after 我 (我媽, 我同事), a common surname + two characters, or a Latin first name (Amy).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from parsers.item_match import strip_leading_fillers, strip_trailing_fillers

# "幫我" is for oneself; a marker with nothing after it ("代訂 王媽媽") takes the next span.
_MARKER = re.compile(r"^(?:幫忙訂|幫忙代訂|代訂|代購|代買|代喊|幫忙|幫|替)")
_LEAD_IN = re.compile(r"^(?:我也|也|還有|再|然後|另外|以及)+(?=幫|替|代)")
_SELF = re.compile(r"^(?:我們|我自己|自己|本人|我)")
_KIN = (
    "媽媽|老媽|媽|爸爸|老爸|爸|老公|老婆|女兒|兒子|女友|男友|朋友|同事|姐姐|姊姊|姐|姊|妹妹|妹|哥哥|哥|弟弟|弟|"
    "婆婆|公公|阿嬤|阿公|外婆|奶奶|爺爺|家人|鄰居|室友|閨蜜|同學|主管|嫂嫂|大嫂|小姑|阿姨|舅舅|姑姑|岳母"
)
_MY_KIN = re.compile(rf"^我(?:家|的)?(?:{_KIN})")
_SUFFIXED = re.compile(
    r"^[\u4e00-\u9fff]{1,3}(?:媽媽|爸爸|阿姨|叔叔|伯伯|嬸嬸|姐姐|姊姊|哥哥|弟弟|妹妹|太太|先生|小姐|老師|同學|"
    r"媽|姐|姊|哥|姨|嫂|嬸|伯|叔|妹|弟|爸)$"
)
_NICK = re.compile(r"^[小阿老][\u4e00-\u9fff]{1,2}$")
_SURNAMES = set(
    "陳林黃張李王吳劉蔡楊許鄭謝郭洪邱曾廖賴徐周葉蘇莊呂江何蕭羅高潘簡朱鍾彭游詹胡施沈余盧梁趙顏柯翁魏孫戴范方宋"
    "鄧杜傅侯曹薛丁卓阮馬董温溫唐藍石蔣古紀姚連馮歐程湯田康姜汪鄒尤巫鐘涂龔嚴韓袁金童陸夏柳邵"
)
# Characters of food and goods: a span holding one is an item-ish word, never a bare name (黃金蝦, 小籠包).
_GOODS = set("菜肉魚蝦餃湯飯麵糕餅茶奶糖果乾豆蛋雞鴨豬牛羊米粉醬酒水油瓜筍菇椒蔥蒜薑貝蟹參鮮包捲酥餐便當粽丸排骨鹽味"
              "辣甜酸瓶盒袋罐")
# Characters of places, times and payment: 林口取, 週五拿 are pick-up plans, not people.
_NOT_NAME = set("取拿到寄送市區路街號週周日點天早晚午元錢付匯轉收下")
_NOT_PEOPLE = {"老闆", "老闆娘", "團主", "小姐", "先生", "阿姨好", "小幫手", "老樣子", "小份", "阿們", "小心", "小時",
               "小時候", "老實說", "阿彌陀佛", "小額", "老實"}
_LATIN = re.compile(r"^[A-Z]{2,12}$")
_LATIN_NOT_PEOPLE = {"OK", "OKAY", "THX", "THANKS", "TKS", "PLS", "PLZ", "LOL", "HAHA", "YA", "YES", "NO", "SORRY",
                     "HI", "HELLO", "LINE", "ID", "VIP", "MAX", "PLUS", "SET", "XL", "XXL", "XS"}


def looks_like_person(key: str) -> bool:
    """Whether a span without a marker (normalised, fillers stripped) looks like a person's name."""
    if key in _NOT_PEOPLE or any(ch in _GOODS or ch in _NOT_NAME for ch in key):
        return False
    if _LATIN.match(key):
        return key not in _LATIN_NOT_PEOPLE
    if _MY_KIN.match(key) and _MY_KIN.sub("", key) == "":
        return True
    if len(key) < 2 or len(key) > 5:
        return False
    return bool(_NICK.match(key) or _SUFFIXED.match(key) or (len(key) == 3 and key[0] in _SURNAMES))


def clean_name(key: str) -> str:
    """Drop trailing fillers from a name (小明訂 → 小明), unless they are part of it (陳姐, 林小姐)."""
    trimmed = strip_trailing_fillers(key)
    if trimmed != key and looks_like_person(key) and not looks_like_person(trimmed):
        return key
    return trimmed


def person_of(key: str, is_item: Callable[[str], bool]) -> tuple[str | None, str, bool]:
    """Read a span for a person: return (name or None, the rest of the span, whether it was marked).

    ``is_item`` tells whether a piece of text names an item. ``幫我高麗菜`` gives (None, 高麗菜, True): for
    oneself; ``幫小明高麗菜`` gives (小明, 高麗菜, True); ``代訂`` alone gives ("", "", True): the name follows.
    """
    key = _LEAD_IN.sub("", key) or key
    marker = _MARKER.match(key)
    if marker is None:
        kin = _MY_KIN.match(key)
        if kin is not None and (kin.end() == len(key) or is_item(key[kin.end():])):
            return kin.group(), key[kin.end():], False
        plain = clean_name(strip_leading_fillers(key))
        if plain and looks_like_person(plain) and not is_item(plain):
            return plain, "", False
        return None, key, False
    rest = key[marker.end():]
    if not rest:
        return ("" if marker.group() != "幫忙" else None), "", True
    kin = _MY_KIN.match(rest)
    if kin is not None:
        return kin.group(), rest[kin.end():], True
    own = _SELF.match(rest)
    if own is not None:
        return None, rest[own.end():], True
    if is_item(rest):
        return None, rest, True
    for size in (2, 3, 4, 1):
        if size < len(rest) and not any(ch in _GOODS for ch in rest[:size]) and is_item(rest[size:]):
            return rest[:size], rest[size:], True
    name = clean_name(rest) or None
    if name is not None and (len(name) > 6 or name.isdigit()):
        return None, rest, True
    return name, "", True
