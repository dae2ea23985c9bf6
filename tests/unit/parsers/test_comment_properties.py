"""Property tests: orders rendered in many surface forms read back the same; junk never raises."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.announcement import AnnouncementError, parse_announcement
from parsers.comment import LARGE_QTY, Intent, parse_comment


@dataclass(frozen=True)
class Item:
    """A campaign item as the comment parser sees it."""

    code: str
    name: str


# Names that neither contain each other nor share a unit-looking numeral.
NAMES = ["高麗菜豬肉水餃", "韭菜鮮蝦餛飩", "玉米濃湯", "白帶魚", "蝦仁", "芒果乾", "綜合堅果", "透抽", "牛番茄", "排骨便當"]
FULL = {ord(ch): ord(ch) + 0xFEE0 for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+"}  # to full-width
CN = "零一二三四五六七八九"


def _cn(qty: int) -> str:
    """Write 1..99 in Chinese numerals."""
    if qty < 10:
        return "兩" if qty == 2 else CN[qty]
    tens, ones = divmod(qty, 10)
    return ("" if tens == 1 else CN[tens]) + "十" + (CN[ones] if ones else "")


def _add_forms(code: str, name: str, qty: int) -> list[str]:
    """Every way a member might write 'add qty of this item'."""
    forms = [f"{code}+{qty}", f"{code.lower()}+{qty}", f"{code} +{qty}", f"{code}+ {qty}", f"{code}x{qty}",
             f"{code}*{qty}", f"{code}×{qty}", f"({code})+{qty}", f"{code}{qty}", f"{code} {_cn(qty)}包",
             f"{code}+{qty}".translate(FULL), f"{name}+{qty}", f"{name} +{qty}", f"+{qty} {name}",
             f"{name}{_cn(qty)}包", f"{_cn(qty)}包{name}", f"我要{_cn(qty)}包{name}", f"{name}x{qty}",
             f"{code}+{_cn(qty)}"]
    if qty <= 9:
        forms.append(f"{code}+{qty}\ufe0f\u20e3")
    return forms


@st.composite
def campaigns(draw: st.DrawFn) -> list[Item]:
    """Draw a campaign of 2-6 letter-coded items."""
    names = draw(st.lists(st.sampled_from(NAMES), min_size=2, max_size=6, unique=True))
    return [Item("ABCDEF"[i], name) for i, name in enumerate(names)]


@st.composite
def orders(draw: st.DrawFn) -> tuple[list[Item], str, tuple[Intent, ...]]:
    """Draw a campaign, some intents, and a comment rendering them."""
    items = draw(campaigns())
    count = draw(st.integers(1, 4))
    parts, intents = [], []
    for _ in range(count):
        item = draw(st.sampled_from(items))
        kind = draw(st.sampled_from(["add", "add", "add", "set", "remove", "cancel"]))
        qty = draw(st.integers(1, 60))
        if kind == "add":
            parts.append(draw(st.sampled_from(_add_forms(item.code, item.name, qty))))
        elif kind == "set":
            parts.append(draw(st.sampled_from([f"{item.code}改{qty}", f"{item.code} 改成 {qty}", f"{item.name}改{qty}"])))
        elif kind == "remove":
            parts.append(draw(st.sampled_from([f"{item.code}-{qty}", f"{item.code} -{qty}", f"{item.name}-{qty}"])))
        else:
            parts.append(draw(st.sampled_from([f"取消{item.code}", f"{item.code}取消", f"{item.name} 不要了"])))
        intents.append(Intent(kind, item.code, None if kind == "cancel" else qty))  # type: ignore[arg-type]
    separator = draw(st.sampled_from([" ", "、", "，", "\n", ", ", "  "]))
    text = separator.join(parts)
    text = draw(st.sampled_from(["", "我也要 ", "團主 "])) + text + draw(st.sampled_from(["", " 謝謝", " 🙏", "～"]))
    return items, text, tuple(intents)


@settings(max_examples=400)
@given(orders())
def test_rendered_orders_read_back(order: tuple[list[Item], str, tuple[Intent, ...]]) -> None:
    items, text, intents = order
    result = parse_comment(text, items)
    assert result.intents == intents, text
    large = any(intent.qty is not None and intent.qty > LARGE_QTY for intent in intents)
    assert (result.status, result.reason) == (("ask", "large_qty") if large else ("order", None)), text


@given(st.integers(1, 50), st.sampled_from(["+{}", "＋{}", "+ {}", "我也+{}", "+{} 謝謝", "x{}"]))
def test_bare_quantity_orders_the_only_item_and_asks_otherwise(qty: int, form: str) -> None:
    text = form.format(qty)
    one = [Item("A", "高麗菜豬肉水餃")]
    two = [*one, Item("B", "韭菜鮮蝦餛飩")]
    assert parse_comment(text, one).intents == (Intent("add", "A", qty),)
    asked = parse_comment(text, two)
    assert (asked.status, asked.reason, asked.candidates) == ("ask", "which_item", ("A", "B"))


@given(st.text(max_size=60), campaigns())
def test_junk_never_raises(text: str, items: list[Item]) -> None:
    result = parse_comment(text, items)
    assert result.status in ("order", "ask", "none")
    codes = {item.code for item in items}
    assert all(intent.item is None or intent.item in codes for intent in result.intents)
    assert set(result.candidates) <= codes


@given(st.text(alphabet=st.characters(categories=["Lo", "Nd", "Po", "Zs", "So"]), max_size=30), campaigns())
def test_questions_are_never_orders(text: str, items: list[Item]) -> None:
    assert parse_comment(f"請問{text}嗎？", items).status == "none"


@given(st.text(max_size=200))
def test_announcement_junk_raises_only_announcement_error(text: str) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    with contextlib.suppress(AnnouncementError):
        parse_announcement(text, datetime(2026, 11, 20, 9, tzinfo=ZoneInfo("Asia/Taipei")))
