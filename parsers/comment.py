"""Read a member's group comment as order intents for the campaign's items.

A result is one of:

- ``order``: intents to record. Each intent has an ``action`` (add, set, remove, cancel), an ``item`` code, a
  ``qty``, and optionally the ``variant`` chosen (辣味), the person it is ``for_name`` (代訂: ``幫小明+1``; None
  is the member themself) and a ``note`` (``不要辣``). A swap (``把B換成C``) is a cancel of B then an add of C
  whose qty is None when the comment gives none: "as many as the cancelled B".
- ``ask``: the member is asked; ``reason`` says why and ``candidates`` what to offer: item codes for
  which_item / ambiguous_item / unknown_item, the item's variant names for ``variant``, and for
  ``two_readings`` (``+3 4`` on a numbered post) the comments each reading stands for (``3+4``, ``4+3``).
- ``same``: "the same as them". One intent with action ``same`` (its qty None: the same quantities; n: n of each
  of their items; its for_name as for any intent). ``reason`` is ``quoted`` (the comment quotes another member's
  order: ``parse(text, quoted=True)`` with ``+1``, ``我也要``, ``跟``, ``同上``) or ``previous`` (``同上``, ``同樓上``
  without a quote: the order of the comment just before it in the campaign).
- ``none``: chit-chat, questions, payment reports.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from parsers.comment_grammar import Action, Pair, State, Walker
from parsers.comment_lexer import NOT_QUANTITY, compile_lexer, tokenize
from parsers.comment_notes import cut_notes
from parsers.item_match import ItemLike, ItemMatcher, strip_fillers
from parsers.text import match_key, normalize

__all__ = ["LARGE_QTY", "Action", "CommentParser", "CommentResult", "Intent", "ItemLike", "parse_comment"]

LARGE_QTY = 50  # a quantity above this is confirmed with the member before it is recorded


@dataclass(frozen=True)
class Intent:
    """One change a member asks for: add/set/remove qty of an item (of a variant, for someone), or cancel."""

    action: Action
    item: str | None
    qty: int | None
    variant: str | None = None
    for_name: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class CommentResult:
    """What to do with a comment: record intents, ask the member, copy another order, or stay silent."""

    status: Literal["order", "ask", "same", "none"]
    intents: tuple[Intent, ...] = ()
    reason: str | None = None
    candidates: tuple[str, ...] = ()


NONE = CommentResult("none")

# Anything that could start an order; comments without one are chit-chat.
_TRIGGER = re.compile(
    r"[\d+\-*×X零一二兩三四五六七八九十#]|取消|不要|不用|不訂|退訂|刪|移除|撤單|改|要|訂|購|同|跟|樓上|換|幫|代|單|登記"
)
# Payment reports and similar messages that mention numbers but are never orders.
_NOT_ORDER = re.compile(
    r"(?<!晚點)(?<!晚一點)(?<!等等)(?<!明天)(?<!稍後)(?<!之後)(?<!再)(?<!會)(?:匯款|轉帳)"
    r"|匯了|已匯|轉了|已轉|已付|付款了|後五碼|末五碼|後5碼|末5碼|帳號末|帳號後"
)
# Questions and opinions: "請問..." starts one; "嗎", "?" end one.
_QUESTION_START = re.compile(r"請問|想問|問一下|問問|覺得|認為|認同|同意|贊成|附議|說得對|說的對|聽說")
_QUESTION_END = re.compile(
    r"\?|嗎|呢|怎麼|怎樣|如何|多少|什麼|甚麼|何時|哪裡|哪裏|哪個|可否|能否|有沒有|是不是|會不會|可不可以|能不能|還有貨|有貨"
)
_CLAUSE_BREAK = re.compile(r"[\s,、。;!~]")
_IME_PLUS = re.compile(r"(?<![零〇一二兩三四五六七八九十百千])十(?=\s*\d)")  # "十1": the IME's 十 for +
_HEADER = re.compile(r"^\s*(?:我要|我想)?(?:下單|喊單|訂單|訂購|預購|登記)\s*[:：]?")
_HEADER_HINT = re.compile(r"單|購|登記")
_SAME_ABOVE = re.compile(r"同上|同樓上|跟樓上|照樓上|樓上\s*\+\s*1|跟上面|同上面|同前")
_ME_TOO = re.compile(
    r"(?:我們?|我也|也)?(?:也是|是|跟(?:上|單|團|一份|一個)?|一樣|同上|同樓上|同)(?:一樣)?(?:謝謝|感謝|感恩|謝啦|團主)*"
)
_PLUS_THEN_COUNT = re.compile(r"\+\s*(\d{1,2})\s+(\d{1,3})(?!\d)(.*)", re.DOTALL)  # "+3 4": item 3 ×4, or 3 of item 4


class CommentParser:
    """A comment parser compiled for one campaign's items."""

    def __init__(self, items: Sequence[ItemLike]) -> None:
        """Compile the lexer and item matcher for these items."""
        self.matcher = ItemMatcher(items)
        self.codes = self.matcher.codes
        names = [match_key(item.name) for item in items] + list(self.matcher.cores)
        self._lexer = compile_lexer(names, self.matcher.variant_words())
        self._walker = Walker(self.matcher)
        self._keep = list(self.matcher.keys) + list(self.matcher.variant_keys)

    def parse(self, text: str, *, quoted: bool = False) -> CommentResult:
        """Read one comment; ``quoted``: it quotes another member's order comment (LINE's quotedMessageId)."""
        if not text or len(text) > 500:
            return NONE
        folded = normalize(text)
        if "十" in folded:
            folded = _IME_PLUS.sub("+", folded)
        if not _TRIGGER.search(folded) or _NOT_ORDER.search(folded):
            return NONE
        folded = NOT_QUANTITY.sub(" ", folded)
        order_part, questioned = _cut_question(folded)
        if not order_part.strip():
            return NONE
        if "+" in order_part:
            readings = self._two_readings(order_part)
            if readings is not None:
                return readings
        header = _HEADER.match(order_part) if _HEADER_HINT.search(order_part) else None
        if header is not None:
            order_part = " " * header.end() + order_part[header.end():]
        order_part, notes = cut_notes(order_part, self._keep)
        state = self._walker.walk(tokenize(order_part, self._lexer), listing=header is not None,
                                  bare_refs=not questioned)
        if questioned and (state.junk or not state.pairs):
            return NONE
        same = self._same(state, order_part, quoted=quoted)
        result = same or self._result(state, notes)
        return _written(result, text) if state.latin_name else result

    def _two_readings(self, text: str) -> CommentResult | None:
        """``+3 4`` read as item 3 ×4 or as 3 of item 4: ask which, offering each reading as a comment."""
        found = _PLUS_THEN_COUNT.fullmatch(text.strip())
        if found is None or strip_fillers(match_key(found.group(3))):
            return None
        first, second = int(found.group(1)), int(found.group(2))
        if len(self.codes) == 1:  # "+3 4" for the only item: three or four
            return CommentResult("ask", (), "two_readings", (f"+{first}", f"+{second}"))
        options = []
        for ref, qty in ((first, second), (second, first)):
            match = self.matcher.by_number(ref)
            if match.kind == "item" and qty > 0:
                options.append(f"{match.codes[0]}+{qty}")
        if not options:
            return CommentResult("ask", (Intent("add", None, first),), "which_item", self.codes)
        return CommentResult("ask", (), "two_readings", tuple(dict.fromkeys(options)))

    def _same(self, state: State, text: str, *, quoted: bool) -> CommentResult | None:
        """Read "the same as them": no item named, and 同上 / 同樓上, or a quote with +1, 我也要, 跟."""
        if not quoted and "上" not in text and "前" not in text:
            return None
        if any(pair.match is not None or pair.action not in ("add",) for pair in state.pairs):
            return None
        adds = [pair for pair in state.pairs if pair.action == "add"]
        me_too = bool(adds) or (state.want and not state.items) or bool(_ME_TOO.fullmatch(match_key(text)))
        if not (_SAME_ABOVE.search(text) or (quoted and me_too)):
            return None
        qty = adds[0].qty if len(adds) == 1 and adds[0].qty != 1 else None
        who = adds[0].who if adds else state.line_who or state.block_who
        return CommentResult("same", (Intent("same", None, qty, for_name=who),), "quoted" if quoted else "previous")

    def _result(self, state: State, notes: list[tuple[int, str]]) -> CommentResult:
        """Turn resolved pairs into the public result."""
        if not state.pairs:
            return NONE
        if state.junk and all(pair.match is None or pair.match.kind != "item" for pair in state.pairs):
            return NONE
        attached = _notes_by_pair(state.pairs, notes) if notes else None
        intents: list[Intent] = []
        reason: str | None = None
        candidates: tuple[str, ...] = ()
        for index, pair in enumerate(state.pairs):
            item, variant, problem, offered = self._settle(pair)
            intents.append(Intent(pair.action, item, pair.qty, variant, pair.who, attached[index] if attached else None))
            if problem and reason is None:
                reason, candidates = problem, offered
        if reason is None and any(intent.qty is not None and intent.qty > LARGE_QTY for intent in intents):
            reason = "large_qty"
        if reason is None:
            return CommentResult("order", tuple(intents))
        return CommentResult("ask", tuple(intents), reason, candidates)

    def _settle(self, pair: Pair) -> tuple[str | None, str | None, str | None, tuple[str, ...]]:
        """Return the item code, variant, the problem (if any) and what to offer for one pair."""
        match = pair.match
        if match is None:
            if pair.action == "cancel":
                return None, None, None, ()
            if len(self.codes) == 1:
                return self._needs_variant(self.codes[0], None, pair)
            return None, None, "which_item", self.codes
        if match.kind == "item":
            return self._needs_variant(match.codes[0], match.variant, pair)
        if match.kind in ("ambiguous", "variant"):
            return None, None, "ambiguous_item", match.codes
        return None, None, "unknown_item", self.codes

    def _needs_variant(
        self, code: str, variant: str | None, pair: Pair
    ) -> tuple[str | None, str | None, str | None, tuple[str, ...]]:
        """Settle an item: adding or setting an item with variants needs one of them (else ask)."""
        offered = self.matcher.variants.get(code, ())
        if variant is None and offered and pair.action in ("add", "set"):
            return code, None, "variant", offered
        return code, variant, None, ()


def _notes_by_pair(pairs: list[Pair], notes: list[tuple[int, str]]) -> list[str | None]:
    """Give each pair the notes of its line; a note on a line without orders goes to every pair without one."""
    attached: list[str | None] = [None] * len(pairs)
    if not notes:
        return attached
    lines = {pair.line for pair in pairs}
    for line, note in notes:
        targets = [i for i, pair in enumerate(pairs) if pair.line == line] if line in lines else []
        for i in targets or [i for i, got in enumerate(attached) if got is None]:
            attached[i] = note if attached[i] is None else f"{attached[i]}，{note}"
    return attached


def _written(result: CommentResult, text: str) -> CommentResult:
    """Give Latin names back their case as written (AMY → Amy)."""
    intents = []
    for intent in result.intents:
        name = intent.for_name
        if name and name.isascii():
            found = re.search(re.escape(name), text, re.IGNORECASE)
            name = found.group() if found else name
        intents.append(Intent(intent.action, intent.item, intent.qty, intent.variant, name, intent.note))
    return CommentResult(result.status, tuple(intents), result.reason, result.candidates)


def _cut_question(text: str) -> tuple[str, bool]:
    """Return the part of text before any question or opinion, and whether one was cut off."""
    start = _QUESTION_START.search(text)
    end = _QUESTION_END.search(text)
    if start is None and end is None:
        return text, False
    cut = len(text)
    if start is not None:
        cut = start.start()
    if end is not None and end.start() < cut:
        breaks = [m.end() for m in _CLAUSE_BREAK.finditer(text, 0, end.start())]
        cut = breaks[-1] if breaks else 0
    return text[:cut], True


@lru_cache(maxsize=256)
def _compiled(items: tuple[tuple[str, str, tuple[str, ...]], ...]) -> CommentParser:
    """Return the cached parser for one campaign's (code, name, variants) triples."""
    return CommentParser([_Item(code, name, variants) for code, name, variants in items])


@dataclass(frozen=True)
class _Item:
    """A minimal ItemLike used as the cache key's materialised form."""

    code: str
    name: str
    variants: tuple[str, ...] = ()


def parse_comment(text: str, items: Sequence[ItemLike], *, quoted: bool = False) -> CommentResult:
    """Read one comment against a campaign's items, reusing a parser compiled for them."""
    key = tuple((item.code, item.name, tuple(getattr(item, "variants", ()) or ())) for item in items)
    return _compiled(key).parse(text, quoted=quoted)
