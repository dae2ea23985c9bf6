"""Collect an announcement's items: item lines, prices below names, and the lines that qualify them."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace

from parsers.announcement_qualifiers import (
    VariantLine,
    find_minimum,
    find_per_member,
    read_name_list,
    read_parallel_prices,
    read_stock_line,
    read_variant_line,
)
from parsers.announcement_title import name_from_title
from parsers.item_line import ItemLine, read_item_line

__all__ = ["ItemDraft", "read_items"]

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_TITLE = re.compile(r"【([^】]+)】|\[([^\]]+)\]|《([^》]+)》")
_DEADLINE_WORD = re.compile(r"截單|截止|收單|結單|結團|截團")
_DELIVERY_WORD = re.compile(r"出貨|到貨|取貨|配送|寄出|送達|面交|領貨|發貨|交貨|發放|領取|抵達|送貨|到府")
_PROSE = re.compile(r"大家好|哈囉|嗨|歡迎|謝謝|感謝|開團|預告|團購|規則|注意|說明|備註|[!?！？～~，,。：:]")
_SIGN_UP = re.compile(r"報名")
_FEE_LINE = re.compile(r"(?<!免)費|每人")
_FEE_AMOUNT = re.compile(r"(?:NT\s*)?\$\s*(\d{1,3}(?:,\d{3})+|\d+)|(\d{1,3}(?:,\d{3})+|\d+)\s*元")
_FREE = re.compile(r"免費")
# 【價格】$280 on a PTT post is 價格: $280; kept the same length so the original and folded text stay aligned.
_FIELD_BRACKET = re.compile(r"^\s*【([^】]{1,8})】")
_PRODUCT_FIELD = re.compile(r"^\s*(?:合購物品|商品名稱|品名|商品|品項)\s*[:：]\s*(?P<name>[^、,，/$\d]{1,30})$")


def _as_field(match: re.Match[str]) -> str:
    """Write 【價格】 as 價格: (same length)."""
    return match.group(1) + ": "


@dataclass
class ItemDraft:
    """An item as read so far, with the line it came from."""

    line: ItemLine
    index: int
    variant_limits: tuple[tuple[str, int], ...] = ()
    code: str = ""


@dataclass
class _Qualifier:
    """A line that says something about items read before or after it."""

    position: int  # how many items were read before it
    variants: VariantLine | None = None
    per_member: int | None = None
    minimum: int | None = None
    stock: tuple[int, str | None] | None = None


@dataclass
class _Reading:
    """The state of one pass over the lines."""

    drafts: list[ItemDraft] = field(default_factory=list)
    qualifiers: list[_Qualifier] = field(default_factory=list)
    names: list[str] | None = None


def read_items(read: list[tuple[str, str]], title: str) -> tuple[list[ItemDraft], list[str]]:
    """Return the items of the post (codes assigned) and the problems the host must fix."""
    state = _Reading()
    name_line: tuple[str, str] | None = None  # a line that may be an item name with its price below
    for index, (raw, raw_folded) in enumerate(read):
        original, folded = _FIELD_BRACKET.sub(_as_field, raw), _FIELD_BRACKET.sub(_as_field, raw_folded)
        if _qualifier_or_list(state, folded, index):
            name_line = None
            continue
        named = _PRODUCT_FIELD.match(folded)
        if named is not None:
            name_line = (original[named.start("name") :].strip(), named.group("name").strip())
            continue
        line = read_item_line(folded, original)
        if line is None:
            _standalone(state, folded)
            name_line = (original, folded) if _could_be_name(folded) else None
            continue
        _add_line(state, line, (index, original, folded), name_line)
        name_line = None
    _apply_qualifiers(state)
    kept = _kept(state.drafts)
    problems: list[str] = []
    if not kept and any(_SIGN_UP.search(folded) for _, folded in read):
        kept = [_sign_up(read, title)]
    for draft in kept:
        if not draft.line.name:
            draft.line = replace(draft.line, name=name_from_title(title), full_name=name_from_title(title))
    _distinct_names(kept)
    _assign_codes(kept)
    for draft in kept:
        if draft.line.price is None:
            shown = f"{draft.code}. {draft.line.name}"
            problems.append(f"{shown} 看不到價格：請在同一行寫上價格，例如「{shown} $180」")
    return kept, problems


def _qualifier_or_list(state: _Reading, folded: str, index: int) -> bool:
    """Take a choice line, a name list or a parallel price list; return whether the line was one."""
    variants = read_variant_line(folded)
    if variants is not None:
        state.qualifiers.append(_Qualifier(len(state.drafts), variants=variants))
        return True
    names = read_name_list(folded)
    if names is not None and len(names) >= 2:
        state.names = names
        return True
    prices = read_parallel_prices(folded)
    if prices is None:
        return False
    if state.names is not None and len(state.names) == len(prices):
        for name, price in zip(state.names, prices, strict=True):
            line = ItemLine(None, None, name, price, None, None, None, full_name=name)
            state.drafts.append(ItemDraft(line, index))
        state.names = None
        return True
    run: list[ItemDraft] = []
    for draft in reversed(state.drafts):
        if draft.line.price is not None:
            break
        run.insert(0, draft)
    if len(run) == len(prices):
        for draft, price in zip(run, prices, strict=True):
            draft.line = replace(draft.line, price=price)
        return True
    return False


def _standalone(state: _Reading, folded: str) -> None:
    """Record a cap, minimum or stock limit written on a line of its own."""
    upper = folded.upper()
    per_member, _ = find_per_member(upper)
    minimum, _ = find_minimum(upper)
    stock = None if per_member is not None else read_stock_line(upper)
    if per_member is not None or minimum is not None or stock is not None:
        state.qualifiers.append(_Qualifier(len(state.drafts), per_member=per_member, minimum=minimum, stock=stock))


def _add_line(state: _Reading, line: ItemLine, at: tuple[int, str, str], name_line: tuple[str, str] | None) -> None:
    """Add an item line, join it to a name above, or merge a continuation into the item before."""
    index, original, folded = at
    drafts = state.drafts
    if not line.name and name_line is not None and line.price is not None:
        joined = read_item_line(name_line[1] + " " + folded, name_line[0] + " " + original)
        if joined is not None and joined.name:
            drafts.append(ItemDraft(joined, index))
    elif not line.name and drafts and (drafts[-1].line.price is None or line.price is None):
        drafts[-1].line = drafts[-1].line.merged_with(line)
    elif line.name or (line.price is not None and not drafts):
        drafts.append(ItemDraft(line, index))


def _could_be_name(folded: str) -> bool:
    """Tell whether a line without a price could be an item name whose price sits below it."""
    text = folded.strip()
    return (
        0 < len(text) <= 24
        and _TITLE.search(text) is None
        and not _DEADLINE_WORD.search(text)
        and not _DELIVERY_WORD.search(text)
        and not _PROSE.search(text)
    )


def _apply_qualifiers(state: _Reading) -> None:
    """Give each qualifying line's content to the item it belongs to."""
    drafts = state.drafts
    for qualifier in state.qualifiers:
        before = drafts[qualifier.position - 1] if qualifier.position > 0 else None
        only = drafts[0] if len(drafts) == 1 else None
        sandwiched = 0 < qualifier.position < len(drafts)
        if qualifier.variants is not None:
            target = before or only
            if target is not None and not target.line.variants:
                target.line = replace(target.line, variants=qualifier.variants.variants)
                target.variant_limits = qualifier.variants.limits
        if qualifier.stock is not None:
            target = before or only
            if target is not None and target.line.limit is None:
                count, unit = qualifier.stock
                target.line = replace(target.line, limit=count, unit=target.line.unit or unit)
        if qualifier.per_member is not None:
            targets = [only] if only else [before] if sandwiched and before else drafts
            for draft in targets:
                if draft is not None and draft.line.per_member_limit is None:
                    draft.line = replace(draft.line, per_member_limit=qualifier.per_member)
        if qualifier.minimum is not None:
            target = only or (before if sandwiched else None)
            if target is not None and target.line.minimum is None:
                target.line = replace(target.line, minimum=qualifier.minimum)


def _kept(drafts: list[ItemDraft]) -> list[ItemDraft]:
    """Keep priced items, and unpriced labeled ones that stand inside the list of priced ones."""
    kept: list[ItemDraft] = []
    for position, draft in enumerate(drafts):
        line = draft.line
        if line.price is not None:
            kept.append(draft)
            continue
        if not line.label:
            continue
        same = [d for d in drafts if d.line.label_kind == line.label_kind and d.line.price is not None]
        after = any(d.index > draft.index for d in same)
        previous = drafts[position - 1] if position > 0 else None
        follows = (
            previous is not None
            and previous in kept
            and previous.line.label_kind == line.label_kind
            and previous.index == draft.index - 1
            and _successor(previous.line.label) == line.label
        )
        if (any(d.index < draft.index for d in same) and after) or follows:
            kept.append(draft)
    return kept


def _successor(label: str | None) -> str | None:
    """Return the label after this one (A -> B, 3 -> 4)."""
    if not label:
        return None
    if label.isdigit():
        return str(int(label) + 1)
    position = _LETTERS.find(label)
    return _LETTERS[position + 1] if 0 <= position < len(_LETTERS) - 1 else None


def _sign_up(read: list[tuple[str, str]], title: str) -> ItemDraft:
    """A sign-up post (+1 報名) is one item named after the title, priced by its fee line or free."""
    price: int | None = None
    for _, folded in read:
        if _FEE_LINE.search(folded):
            found = _FEE_AMOUNT.search(folded.upper())
            if found is not None:
                price = int((found.group(1) or found.group(2)).replace(",", ""))
                break
    if price is None and any(_FREE.search(folded) for _, folded in read):
        price = 0
    name = name_from_title(title)
    return ItemDraft(ItemLine(None, None, name, price, None, None, None, full_name=name), 0)


def _distinct_names(drafts: list[ItemDraft]) -> None:
    """Where two items share a name, keep each one's pack size in it (茂谷柑 10斤裝 / 5斤裝)."""
    counts = Counter(draft.line.name for draft in drafts)
    for draft in drafts:
        if counts[draft.line.name] > 1 and draft.line.full_name:
            draft.line = replace(draft.line, name=draft.line.full_name)


def _assign_codes(drafts: list[ItemDraft]) -> None:
    """Give each item its label as code; unlabeled or repeated ones get the next free letter."""
    used = {draft.line.label for draft in drafts if draft.line.label}
    taken: set[str] = set()
    free = (letter for letter in _LETTERS if letter not in used)
    for number, draft in enumerate(drafts, start=1):
        code = draft.line.label
        if not code or code in taken:
            code = next(free, str(number))
        taken.add(code)
        draft.code = code
