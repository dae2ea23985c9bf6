"""Shared text normalisation for the chat parsers: width, emoji keycaps, script and numerals."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

# Taiwan-standard conversion (s2t plus Taiwan character variants: 麵包, not 麪包).
_S2TW = opencc.OpenCC("s2tw")

# After conversion, fold the few variants where Taiwanese writers use both forms.
_VARIANT_FOLD = str.maketrans({"臺": "台", "裏": "裡", "著": "着", "峯": "峰", "羣": "群"})

# Emoji glyphs that carry digits or signs: keycap parts, ten, heavy plus/minus/multiply.
_EMOJI_FOLD = str.maketrans(
    {
        "\ufe0f": None,  # variation selector
        "\ufe0e": None,
        "\u20e3": " ",  # combining enclosing keycap: "1\ufe0f\u20e3" -> "1 "
        "\u200b": None,  # zero-width space
        "\u200d": None,
        "🔟": "10",
        "➕": "+",
        "➖": "-",
        "✖": "x",
        "−": "-",
        "－": "-",
        "—": "-",
        "─": "-",
        "﹢": "+",
        "　": " ",
        "\u00a0": " ",
    }
)

_CIRCLED = re.compile("[\u2460-\u2473\u2776-\u277f\u2780-\u2793\u24eb-\u24f4]")

_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "兩": 2, "两": 2, "倆": 2, "三": 3, "四": 4, "五": 5,
          "六": 6, "七": 7, "八": 8, "九": 9}
_SCALE = {"十": 10, "拾": 10, "百": 100, "千": 1000}

CN_NUMERAL_CHARS = "零〇一二兩两倆三四五六七八九十拾百千"
CN_NUMERAL = f"[{CN_NUMERAL_CHARS}]+"


def _circled(match: re.Match[str]) -> str:
    """Turn one circled digit into its number, padded so neighbours do not merge."""
    return unicodedata.normalize("NFKC", match.group()) + " "


def fold_width(text: str) -> str:
    """Fold full-width forms, circled numbers and emoji keycaps to plain ASCII."""
    text = _CIRCLED.sub(_circled, text)
    return unicodedata.normalize("NFKC", text.translate(_EMOJI_FOLD))


def to_traditional(text: str) -> str:
    """Convert Simplified Chinese to Taiwan Traditional (idempotent on Traditional text)."""
    if text.isascii():
        return text
    return _S2TW.convert(text).translate(_VARIANT_FOLD)


def normalize(text: str) -> str:
    """Return text folded for matching: half-width, Traditional, upper-case ASCII."""
    return to_traditional(fold_width(text)).upper()


@lru_cache(maxsize=4096)
def match_key(name: str) -> str:
    """Return the comparison key of an item name: normalised, without spaces or punctuation."""
    return "".join(ch for ch in normalize(name) if ch.isalnum())


def cn_to_int(word: str) -> int | None:
    """Read a Chinese numeral (兩, 十二, 二十五, 一百) or ASCII digits; None if it is not one."""
    if not word:
        return None
    if word.isascii():
        return int(word) if word.isdigit() else None
    if len(word) == 1:
        if word in _DIGIT:
            return _DIGIT[word]
        return _SCALE.get(word)
    total = 0
    pending: int | None = None
    for ch in word:
        if ch in _DIGIT:
            if pending is not None and pending != 0:  # "二三" is not a number; "一百零五" keeps its 零
                return None
            pending = _DIGIT[ch]
        elif ch in _SCALE:
            total += (1 if pending is None else pending) * _SCALE[ch]
            pending = None
        else:
            return None
    return total + (pending or 0)
