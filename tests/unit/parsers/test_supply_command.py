"""``/缺貨`` arguments: the item (code, name, variant), the count and an optional 團號, from what hosts type."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parsers.supply_command import (
    MAX_SHORTAGE,
    ItemPick,
    ShortageArgs,
    ShortageArgsError,
    parse_shortage_args,
    pick_item,
)


@dataclass(frozen=True)
class Item:
    """An item as the parser sees it."""

    code: str
    name: str
    variants: tuple[str, ...] = ()


ITEMS = [Item("A", "高麗菜水餃", ("原味", "辣味")), Item("B", "韭菜水餃"), Item("C", "手工蛋捲 (10入)")]
NUMBERED = [Item("1", "洋芋片", ("原味", "海苔")), Item("2", "蝦味先"), Item("3", "乖乖")]
FULL = {ord(ch): ord(ch) + 0xFEE0 for ch in "ABC0123456789"}


@pytest.mark.parametrize(("text", "expected"), [
    ("C 5", ShortageArgs("C", 5)),
    ("c5", ShortageArgs("c", 5)),
    ("A辣味 2", ShortageArgs("A辣味", 2)),
    ("A 辣味 2包", ShortageArgs("A 辣味", 2)),
    ("高麗菜水餃 3", ShortageArgs("高麗菜水餃", 3)),
    ("高麗菜水餃 三包", ShortageArgs("高麗菜水餃", 3)),
    ("Ｃ　５", ShortageArgs("C", 5)),
    ("C x5", ShortageArgs("C", 5)),
    ("第3團 C 5", ShortageArgs("C", 5, "3")),
    ("#3 C 5", ShortageArgs("C", 5, "3")),
    ("3團 A辣味 2", ShortageArgs("A辣味", 2, "3")),
    ("3 C 5", ShortageArgs("C", 5, "3")),
    ("3 5", ShortageArgs("3", 5)),  # one word before the count: the item (a numbered post)
    ("2 3 5", ShortageArgs("3", 5, "2")),
])
def test_arguments_as_hosts_type_them(text: str, expected: ShortageArgs) -> None:
    assert parse_shortage_args(text) == expected


@pytest.mark.parametrize(("text", "problem"), [
    ("", "缺哪一項"), ("C", "最後要寫缺幾份"), ("C 很多", "看不懂「很多」"), ("C 0", "1 到 9999"),
    ("C 10000", "1 到 9999"), ("5", "缺哪一項"), ("第3團 5", "團號後面要寫缺哪一項"),
])
def test_what_cannot_be_read_says_what_is_missing(text: str, problem: str) -> None:
    with pytest.raises(ShortageArgsError, match=problem):
        parse_shortage_args(text)


@pytest.mark.parametrize(("text", "items", "expected"), [
    ("C", ITEMS, ItemPick("item", "C")),
    ("c", ITEMS, ItemPick("item", "C")),
    ("A辣味", ITEMS, ItemPick("item", "A", "辣味")),
    ("A 辣", ITEMS, ItemPick("item", "A", "辣味")),
    ("A(原味)", ITEMS, ItemPick("item", "A", "原味")),
    ("辣味A", ITEMS, ItemPick("item", "A", "辣味")),
    ("辣味", ITEMS, ItemPick("item", "A", "辣味")),
    ("高麗菜水餃 辣味", ITEMS, ItemPick("item", "A", "辣味")),
    ("高麗菜水餃辣", ITEMS, ItemPick("item", "A", "辣味")),
    ("高麗菜水餃", ITEMS, ItemPick("item", "A")),
    ("韭菜", ITEMS, ItemPick("item", "B")),
    ("蛋捲", ITEMS, ItemPick("item", "C")),
    ("水餃", ITEMS, ItemPick("ambiguous", codes=("A", "B"))),
    ("D", ITEMS, ItemPick("unknown")),
    ("披薩", ITEMS, ItemPick("unknown")),
    ("2", NUMBERED, ItemPick("item", "2")),
    ("1海苔", NUMBERED, ItemPick("item", "1", "海苔")),
    ("洋芋片 原味", NUMBERED, ItemPick("item", "1", "原味")),
])
def test_items_are_matched_like_comments(text: str, items: list[Item], expected: ItemPick) -> None:
    assert pick_item(text, items) == expected


@given(code=st.sampled_from("ABC"), qty=st.integers(1, MAX_SHORTAGE), campaign=st.none() | st.integers(1, 999),
       full=st.booleans(), glued=st.booleans())
def test_any_code_count_and_campaign_read_back(code: str, qty: int, campaign: int | None, full: bool,
                                               glued: bool) -> None:
    text = f"{code}{'' if glued else ' '}{qty}"
    if campaign is not None:
        text = f"第{campaign}團 {text}"
    if full:
        text = text.translate(FULL)
    assert parse_shortage_args(text) == ShortageArgs(code, qty, str(campaign) if campaign is not None else "")


@given(st.text(max_size=60))
def test_junk_is_refused_or_read_never_raises_otherwise(text: str) -> None:
    try:
        args = parse_shortage_args(text)
    except ShortageArgsError:
        return
    assert 1 <= args.qty <= MAX_SHORTAGE and args.item
    assert pick_item(args.item, ITEMS).kind in ("item", "ambiguous", "unknown")
