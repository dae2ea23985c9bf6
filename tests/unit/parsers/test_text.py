"""Normalisation helpers: width, keycaps, script, Chinese numerals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parsers.text import cn_to_int, fold_width, match_key, normalize, to_traditional


@pytest.mark.parametrize(
    ("raw", "folded"),
    [("Ａ＋２", "A+2"), ("＋１", "+1"), ("（Ａ）", "(A)"), ("１２／８", "12/8"), ("+1️⃣", "+1 "), ("🔟", "10"),
     ("①高麗菜", "1 高麗菜"), ("A－1", "A-1"), ("NT＄１，６８０", "NT$1,680"), ("➕1", "+1")],
)
def test_fold_width(raw: str, folded: str) -> None:
    assert fold_width(raw) == folded


@pytest.mark.parametrize(
    ("simplified", "traditional"),
    [("我要两包高丽菜", "我要兩包高麗菜"), ("截单", "截單"), ("晚上8点", "晚上8點"), ("饺子", "餃子"), ("面包", "麵包")],
)
def test_to_traditional(simplified: str, traditional: str) -> None:
    assert to_traditional(simplified) == traditional
    assert to_traditional(traditional) == traditional


def test_normalize_and_match_key() -> None:
    assert normalize("ａ＋２ 谢谢") == "A+2 謝謝"
    assert match_key("高丽菜 (50颗/包)") == match_key("高麗菜(50顆/包)")


@pytest.mark.parametrize(
    ("word", "value"),
    [("一", 1), ("兩", 2), ("两", 2), ("十", 10), ("十二", 12), ("二十", 20), ("二十五", 25), ("一百", 100),
     ("一百零五", 105), ("三千", 3000), ("12", 12), ("二三", None), ("", None), ("半", None), ("1a", None)],
)
def test_cn_to_int(word: str, value: int | None) -> None:
    assert cn_to_int(word) == value


_DIGITS = "零一二三四五六七八九"


def _to_cn(number: int) -> str:
    """Write 1..9999 the way people type it (十二, 二十, 一百零五)."""
    out, zero = "", False
    for scale, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // scale % 10
        if digit:
            if zero and out:
                out += "零"
            out += ("" if (digit == 1 and scale == 10 and not out) else _DIGITS[digit]) + name
            zero = False
        elif out:
            zero = True
    return out


@given(st.integers(min_value=1, max_value=9999))
def test_cn_to_int_reads_what_people_write(number: int) -> None:
    assert cn_to_int(_to_cn(number)) == number


@given(st.text(max_size=40))
def test_normalize_never_raises(text: str) -> None:
    assert isinstance(normalize(text), str)
