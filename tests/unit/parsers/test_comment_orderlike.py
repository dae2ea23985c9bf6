"""A comment that looks like an order is never silently ignored: read, or asked about, over the whole corpus."""

from __future__ import annotations

import pytest
from test_comment_table import CAMPAIGNS, CASES, _campaign

from parsers.comment import parse_comment
from parsers.comment_orderlike import looks_like_order

DUMPLINGS = CAMPAIGNS["dumplings"]
SNACKS = CAMPAIGNS["snacks"]


@pytest.mark.parametrize(
    "text",
    ["+1", "A+2", "Ａ＋２", "十1", "加一", "減1", "A 2包", "高麗菜兩包", "#3", "#2 #4", "3.", "2號 3包", "同上",
     "把B換成C", "B換C", "ＢＣ各+2", "A改3", "下單\n高麗菜、韭菜", "+3 4", "韭菜 x2 謝謝"],
)
def test_order_shapes_look_like_orders(text: str) -> None:
    assert looks_like_order(text, DUMPLINGS)


@pytest.mark.parametrize(
    "text",
    ["謝謝團主", "A還有嗎？", "請問+1之後要怎麼付款", "我也覺得+1", "已匯款 後五碼12345 540元", "0912-345-678",
     "12/8 前會到嗎", "$180", "+1000000", "A+0", "++", "12號取貨", "今天好冷", "A"],
)
def test_chat_questions_and_payments_do_not(text: str) -> None:
    assert not looks_like_order(text, DUMPLINGS)


def test_numbered_post_shapes() -> None:
    assert looks_like_order("3 2包", SNACKS)
    assert looks_like_order("1號、3號", SNACKS)
    assert not looks_like_order("3號還有嗎？", SNACKS)


ORDER_LIKE = [case for case in CASES if looks_like_order(case.values[1], _campaign(case.values[0])[0])]


def test_most_of_the_corpus_is_order_like() -> None:
    assert len(ORDER_LIKE) >= 500


@pytest.mark.parametrize(("campaign", "text", "expected"), ORDER_LIKE)
def test_an_order_like_comment_is_never_none(campaign: str, text: str, expected: str) -> None:
    items, quoted = _campaign(campaign)
    assert not expected.startswith("none"), "the table expects silence for an order-like comment"
    assert parse_comment(text, items, quoted=quoted).status != "none"
